import type { ErrorPayload, JournalRecord, StageContext } from '@sluice/core';
import type { ReplyEdge, ReplyGraph } from './reply-graph.ts';

/** The read-only journals a reply is traced in. */
export type JournalView = NonNullable<StageContext['journals']>;

/** A record of a request that went to an error lane on the way to the sink. */
export interface ReplyFailure {
  /** The stage that failed it. */
  readonly stage: string;
  readonly code: string;
  readonly message: string;
}

/**
 * What the journals say about the records `first..last` of the source: `done` once the sink
 * has consumed everything that descends from them (its `results`, in journal order, and the
 * `failures` met on the way), `pending` before, `forgotten` when they are older than the
 * roots this tracer keeps.
 */
export type TraceOutcome =
  | { readonly state: 'done'; readonly results: readonly unknown[]; readonly failures: readonly ReplyFailure[] }
  | { readonly state: 'pending' }
  | { readonly state: 'forgotten' };

/** Bounds of a {@link LineageTracer}. */
export interface TracerOptions {
  /** Source records (roots) whose traces are kept at most; the oldest are forgotten. */
  readonly maxRoots: number;
  /** Records read from one journal at a time. */
  readonly chunk?: number;
  /** Only roots from here on are traced (a one-off look-up of older records). */
  readonly from?: number;
  /** Only roots up to here are traced. */
  readonly to?: number;
}

/** What descends from one source record. */
interface Trace {
  readonly results: unknown[];
  readonly failures: ReplyFailure[];
  /** The highest seq, per journal, of a record that descends from the root. */
  readonly last: Map<string, number>;
}

/**
 * Follows the lineage of source records through the journals between the source and the
 * reply sink. Each journal is read once, from a kept position: a record's root is its cause's
 * root, memoized per `stage#seq` until every consumer on the path has passed it. A journal
 * is read only as far as the journals its causes are in have been read, so every cause is
 * known when its effects are met.
 *
 * Completion uses what a batch commit guarantees: a stage's outputs and its cursor move in one
 * transaction. `refresh` reads the cursors first, then the journals to their ends; if every
 * edge's cursor has passed the highest descendant of a root in its upstream, nothing more
 * can descend from that root, and the sink has consumed all of it. (A kind that consumes a
 * record and emits for it later, or without its cause, is not traced: its outputs are not
 * waited for.)
 */
export class LineageTracer {
  readonly #view: JournalView;
  readonly #graph: ReplyGraph;
  readonly #options: TracerOptions;
  readonly #positions = new Map<string, number>();
  /** Per journal with consumers on the path: seq → root. */
  readonly #roots = new Map<string, Map<number, number>>();
  /** Per root, in root order (the source is read first). */
  readonly #traces = new Map<number, Trace>();
  readonly #sinkInputs: readonly ReplyEdge[];
  readonly #onPath: ReadonlySet<string>;
  /** Roots below it are forgotten. */
  #floor: number;
  /** Per edge, the last cursor read whose consumer's outputs have all been read. */
  readonly #cursors = new Map<ReplyEdge, number>();
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(view: JournalView, graph: ReplyGraph, options: TracerOptions) {
    this.#view = view;
    this.#graph = graph;
    this.#options = options;
    this.#floor = options.from ?? 1;
    this.#sinkInputs = graph.edges.filter((e) => e.to === graph.sink);
    this.#onPath = new Set(graph.journals);
    for (const edge of graph.edges) if (edge.from !== graph.source) this.#roots.set(edge.from, new Map());
  }

  /**
   * Brings the traces up to what is committed now. Calls made while one runs share the next
   * run, so a burst of commits costs at most two.
   */
  refresh(): Promise<void> {
    if (this.#next !== undefined) return this.#next;
    const start = (): Promise<void> => {
      this.#next = undefined;
      const running = this.#refreshOnce().finally(() => {
        this.#running = undefined;
      });
      this.#running = running;
      return running;
    };
    if (this.#running === undefined) return start();
    this.#next = this.#running.catch(() => undefined).then(start);
    return this.#next;
  }

  /** The outcome of source records `first..last`, as of the last refresh. */
  outcome(first: number, last: number): TraceOutcome {
    if (first < this.#floor) return { state: 'forgotten' };
    for (const edge of this.#graph.edges) {
      if (edge.from === this.#graph.source && (this.#cursors.get(edge) ?? 0) < last) return { state: 'pending' };
    }
    const results: unknown[] = [];
    const failures: ReplyFailure[] = [];
    for (let root = first; root <= last; root++) {
      const trace = this.#traces.get(root);
      if (trace === undefined) return { state: 'pending' };
      for (const edge of this.#graph.edges) {
        if (edge.from !== this.#graph.source && (this.#cursors.get(edge) ?? 0) < (trace.last.get(edge.from) ?? 0)) return { state: 'pending' };
      }
      results.push(...trace.results);
      failures.push(...trace.failures);
    }
    return { state: 'done', results, failures };
  }

  async #refreshOnce(): Promise<void> {
    // Cursors first, then how far each consumer's journal reaches: the outputs a consumer
    // committed with its cursor are in its journal up to there.
    const cursors = new Map<ReplyEdge, number>();
    for (const edge of this.#graph.edges) cursors.set(edge, await this.#view.cursor(edge.to, edge.key));
    const reach = new Map<string, number>();
    for (const edge of this.#graph.edges) reach.set(edge.to, await this.#view.lastSeq(edge.to));
    let moved = true;
    while (moved) {
      moved = false;
      for (const journal of this.#graph.journals) if (await this.#scan(journal)) moved = true;
    }
    // A store may show a cursor before the records committed with it can be read (lmdb-js before
    // its fsync): such a cursor is taken at the next refresh, once they have been read.
    for (const [edge, cursor] of cursors) {
      if ((this.#positions.get(edge.to) ?? 0) >= (reach.get(edge.to) ?? 0)) this.#cursors.set(edge, cursor);
    }
    this.#prune();
  }

  /** Reads on in `journal`; false when nothing could be read. */
  async #scan(journal: string): Promise<boolean> {
    const after = this.#positions.get(journal) ?? 0;
    const records = await this.#view.read(journal, after, this.#options.chunk ?? 1000);
    let seq = after;
    for (const record of records) {
      const root = this.#rootOf(journal, record);
      if (root === 'later') break;
      seq = record.seq;
      if (root === undefined) continue;
      this.#roots.get(journal)?.set(record.seq, root);
      this.#index(root, journal, record);
    }
    this.#positions.set(journal, seq);
    return seq > after;
  }

  /** The source seq a record descends from; `later` when its cause's journal is not read that far yet. */
  #rootOf(journal: string, record: JournalRecord): number | undefined | 'later' {
    if (journal === this.#graph.source) return record.seq;
    const cause = record.cause;
    // No cause (a stage's EOF, a fold's output at the end), or one outside the path (a join's other side).
    if (cause === undefined || !this.#onPath.has(cause.stage)) return undefined;
    if (cause.seq > (this.#positions.get(cause.stage) ?? 0)) return 'later';
    return cause.stage === this.#graph.source ? cause.seq : this.#roots.get(cause.stage)?.get(cause.seq);
  }

  #index(root: number, journal: string, record: JournalRecord): void {
    if (root < this.#floor || root > (this.#options.to ?? Infinity)) return;
    let trace = this.#traces.get(root);
    if (trace === undefined) {
      // A root's trace begins with its source record, read before anything it caused.
      if (journal !== this.#graph.source) return;
      trace = { results: [], failures: [], last: new Map() };
      this.#traces.set(root, trace);
      this.#forgetOldest();
    }
    trace.last.set(journal, record.seq);
    if (record.kind === 'error') {
      const payload = record.payload as ErrorPayload;
      trace.failures.push({ stage: payload.stage, code: payload.code, message: payload.message });
    } else if (record.kind === 'data' && this.#sinkInputs.some((e) => e.from === journal && (e.port === undefined || e.port === record.port))) {
      trace.results.push(record.payload);
    }
  }

  #forgetOldest(): void {
    if (this.#traces.size <= this.#options.maxRoots) return;
    const oldest = this.#traces.keys().next();
    if (oldest.done === true) return;
    this.#traces.delete(oldest.value);
    this.#floor = oldest.value + 1;
  }

  /** Forgets the roots of records every consumer on the path has passed: nothing can cite them any more. */
  #prune(): void {
    for (const [journal, roots] of this.#roots) {
      let passed = Infinity;
      for (const [edge, cursor] of this.#cursors) if (edge.from === journal) passed = Math.min(passed, cursor);
      for (const seq of roots.keys()) {
        if (seq > passed) break;
        roots.delete(seq);
      }
    }
  }
}
