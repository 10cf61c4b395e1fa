import { formatInputKey, type Edge, type JournalRecord, type JournalStore } from '@sluice/core';
import type { ReadLog } from './read-log.ts';

/**
 * The batches a stage with several inputs is to read, in order: a replay's copy of the original
 * run's read log, so a merge or join interleaves its inputs exactly as the original did.
 */
export interface ReadPlan {
  /**
   * The next batch's reads (cursors in this run's upstream journals), `wait` while an upstream
   * has not written that far yet, or undefined past the plan's end (reads go round-robin again).
   */
  peek(): Promise<ReadLog | 'wait' | undefined>;
  /** Moves past the batch `peek` returned. */
  advance(): void;
  /** Back to the plan's start (after `load`, batches at or before the cursors are skipped). */
  rewind(): void;
}

/** Read plans by store: set by `replay()` for the store it replays into, for that run only. */
const plans = new WeakMap<JournalStore, PlanOf>();

/** The plan of a stage with several inputs, given them. */
export type PlanOf = (stage: string, inputs: readonly Input[]) => ReadPlan | undefined;

/** Makes the readers over `store` of a stage with several inputs follow its plan; returns the undo. */
export function followReadPlans(store: JournalStore, planOf: PlanOf): () => void {
  plans.set(store, planOf);
  return () => plans.delete(store);
}

/** One input of a stage: an upstream journal, the port read, and the durable cursor. */
export interface Input {
  /** Position among the stage's inputs, in the order the DSL gave them. */
  readonly index: number;
  readonly upstream: string;
  readonly port: number | undefined;
  /** Cursor key: the upstream name, with `#port` for a route output. */
  readonly key: string;
  /** Last seq consumed in a committed batch. */
  cursor: number;
  /** True once a committed batch consumed this input's EOF. */
  ended: boolean;
}

/** The data records one read took from one input, in seq order. */
export interface InputBatch {
  readonly input: Input;
  readonly records: readonly JournalRecord[];
}

/** One read across a stage's inputs. */
export interface ReadResult {
  /** Data records for this stage per input (other ports, errors and EOF are skipped). */
  readonly batches: readonly InputBatch[];
  /** Data records in `batches`. */
  readonly count: number;
  /** Cursor positions to commit with the batch. */
  readonly cursors: Readonly<Record<string, number>>;
  /** Inputs whose EOF this read reached. */
  readonly ended: readonly Input[];
  /** True when, after this read, every input has ended. */
  readonly endsNow: boolean;
  /** True when any cursor moves. */
  readonly moved: boolean;
  /**
   * Per input read, the last watermark among all the records read (any kind, any port): a
   * route's other ports and an upstream's watermark-only control records move time on too.
   */
  readonly marks: readonly { readonly input: Input; readonly watermark: number }[];
}

/** Where the next read of an input starts: ahead of its cursor while a read awaits its commit. */
interface ReadPosition {
  next: number;
  ended: boolean;
}

/**
 * Reads a stage's inputs after their cursors, round-robin, and tracks upstream EOF. A read
 * moves the read positions at once, so the next batch can be read while this one commits;
 * the inputs' cursors move only in `advance`, after the commit.
 */
export class UpstreamReader {
  readonly inputs: readonly Input[];
  private readonly positions: ReadPosition[];
  private turn = 0;
  /** In a replay, the original's read log to follow. */
  private readonly plan: ReadPlan | undefined;

  constructor(
    private readonly store: JournalStore,
    private readonly stage: string,
    edges: readonly Edge[],
  ) {
    this.inputs = edges.map((edge, index) => ({
      index,
      upstream: edge.from.name,
      port: edge.port,
      key: formatInputKey(edge.from.name, edge.port),
      cursor: 0,
      ended: false,
    }));
    this.positions = this.inputs.map(() => ({ next: 0, ended: false }));
    this.plan = this.inputs.length > 1 ? plans.get(store)?.(stage, this.inputs) : undefined;
  }

  /**
   * Loads cursors; an input whose last consumed record was EOF is already ended. Read
   * positions restart at the cursors, dropping reads that were never committed.
   */
  async load(): Promise<void> {
    for (const [i, input] of this.inputs.entries()) {
      input.cursor = await this.store.cursor(this.stage, input.key);
      input.ended = false;
      if (input.cursor > 0) {
        const [last] = await this.store.read(input.upstream, input.cursor - 1, 1);
        input.ended = last?.kind === 'eof';
      }
      this.positions[i] = { next: input.cursor, ended: input.ended };
    }
    this.plan?.rewind();
  }

  /**
   * Reads up to `limit` records across inputs, starting with a different input each call
   * so that one busy upstream cannot starve another. The read positions move past what was
   * read; the returned cursors are the positions to commit with the batch.
   */
  async read(limit: number): Promise<ReadResult> {
    const planned = this.plan === undefined ? undefined : await this.readPlanned(this.plan);
    if (planned !== undefined) return planned;
    const batches: InputBatch[] = [];
    const cursors: Record<string, number> = {};
    const ended: Input[] = [];
    const marks: { input: Input; watermark: number }[] = [];
    const count = this.inputs.length;
    let taken = 0;
    let moved = false;
    for (let i = 0; i < count && taken < limit; i++) {
      const at = (this.turn + i) % count;
      const input = this.inputs[at];
      const position = this.positions[at];
      if (input === undefined || position === undefined || position.ended) continue;
      const records = await this.store.read(input.upstream, position.next, limit - taken);
      const last = records[records.length - 1];
      if (last === undefined) continue;
      const watermark = lastWatermark(records);
      if (watermark !== undefined) marks.push({ input, watermark });
      const data = dataOf(records, input.port);
      if (data.length > 0) batches.push({ input, records: data });
      taken += data.length;
      const eof = data.length < records.length ? records.findIndex((r) => r.kind === 'eof') : -1;
      position.next = eof < 0 ? last.seq : (records[eof]?.seq ?? last.seq);
      if (eof >= 0) {
        position.ended = true;
        ended.push(input);
      }
      cursors[input.key] = position.next;
      moved = true;
    }
    this.turn = (this.turn + 1) % Math.max(1, count);
    const endsNow = this.positions.every((p) => p.ended);
    return { batches, count: taken, cursors, ended, endsNow, moved, marks };
  }

  /**
   * The plan's next batch: each input it names read up to the cursor it names, in its order; an
   * empty read while an upstream has not got that far yet. Undefined past the plan's end.
   */
  private async readPlanned(plan: ReadPlan): Promise<ReadResult | undefined> {
    let log = await plan.peek();
    // After a restart, the batches already committed.
    while (log !== undefined && log !== 'wait' && log.read.every(([key, upTo]) => upTo <= (this.positionOf(key)?.next ?? Infinity))) {
      plan.advance();
      log = await plan.peek();
    }
    if (log === undefined) return undefined;
    if (log === 'wait') return { batches: [], count: 0, cursors: {}, ended: [], endsNow: false, moved: false, marks: [] };
    const steps = log.read.map(([key, upTo]) => ({ at: this.inputs.findIndex((i) => i.key === key), upTo }));
    plan.advance();
    const batches: InputBatch[] = [];
    const cursors: Record<string, number> = {};
    const ended: Input[] = [];
    const marks: { input: Input; watermark: number }[] = [];
    let taken = 0;
    for (const { at, upTo } of steps) {
      const input = this.inputs[at];
      const position = this.positions[at];
      if (input === undefined || position === undefined || position.next >= upTo) continue;
      const records: JournalRecord[] = [];
      while (position.next + records.length < upTo) {
        const page = await this.store.read(input.upstream, position.next + records.length, upTo - position.next - records.length);
        if (page.length === 0) break;
        records.push(...page);
      }
      const watermark = lastWatermark(records);
      if (watermark !== undefined) marks.push({ input, watermark });
      const data = dataOf(records, input.port);
      if (data.length > 0) batches.push({ input, records: data });
      taken += data.length;
      position.next = upTo;
      if (records.some((r) => r.kind === 'eof')) {
        position.ended = true;
        ended.push(input);
      }
      cursors[input.key] = upTo;
    }
    const endsNow = this.positions.every((p) => p.ended);
    return { batches, count: taken, cursors, ended, endsNow, moved: true, marks };
  }

  private positionOf(key: string): ReadPosition | undefined {
    return this.positions[this.inputs.findIndex((i) => i.key === key)];
  }

  /**
   * What to do once `read` is committed: cursors move and ended inputs are marked. It keeps
   * only the cursors, not the records, so a batch in flight holds no more than it must.
   */
  advancer(read: ReadResult): () => void {
    const { cursors, ended } = read;
    return () => {
      for (const input of this.inputs) {
        const cursor = cursors[input.key];
        if (cursor !== undefined) input.cursor = cursor;
      }
      for (const input of ended) input.ended = true;
    };
  }
}

/** The watermark of the last record that has one (watermarks never go back within a journal). */
function lastWatermark(records: readonly JournalRecord[]): number | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const watermark = records[i]?.watermark;
    if (watermark !== undefined) return watermark;
  }
  return undefined;
}

/**
 * The data records of `records` for `port`, up to the first EOF. The common case (all data,
 * no port filter) returns the array itself.
 */
function dataOf(records: readonly JournalRecord[], port: number | undefined): readonly JournalRecord[] {
  let all = true;
  for (const record of records) {
    if (record.kind !== 'data' || (port !== undefined && record.port !== port)) {
      all = false;
      break;
    }
  }
  if (all) return records;
  const data: JournalRecord[] = [];
  for (const record of records) {
    if (record.kind === 'eof') break;
    if (record.kind === 'data' && (port === undefined || record.port === port)) data.push(record);
  }
  return data;
}
