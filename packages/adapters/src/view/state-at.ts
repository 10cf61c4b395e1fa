import { parseInputKey, type JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityRecord, type StoredDefinition } from '@sluice/runtime';
import { dataFor, JournalIndex } from './journal-index.ts';

/** One input of a stage at a moment: how far it had read its upstream and how far behind it was. */
export interface MomentInput {
  readonly upstream: string;
  readonly cursor: number;
  readonly lag: number;
}

/** A stage at a moment of a recorded run. */
export interface MomentStage {
  readonly name: string;
  readonly kind: string;
  /** Its machine's state: the last `stage.state` of the run going on then (`created` before any). */
  readonly state: string;
  /** Upstream data records read (of its port, for a route's consumer), over its inputs. */
  readonly in: number;
  /** Data records written (a sink: inputs delivered). */
  readonly out: number;
  readonly errors: number;
  readonly lag: number;
  /** The last seq of its journal by then: the stage panel reads records up to it. */
  readonly seq: number;
  readonly inputs: readonly MomentInput[];
}

/** Every machine's state and every stage's counts at one moment of a recorded run. */
export interface Moment {
  /** The moment (ms), within the run's span. */
  readonly at: number;
  /** The run going on then; undefined before the first one started. */
  readonly run: string | undefined;
  readonly pipeline: string;
  readonly stages: readonly MomentStage[];
}

/** The span of a recorded run, for the slider. */
export interface Timeline {
  readonly flow: string;
  readonly start: number;
  readonly end: number;
  readonly runs: number;
  /** Activity records in the log. */
  readonly activity: number;
  /** Runs started, signals and shutdowns, as ticks on the slider. */
  readonly marks: readonly { readonly at: number; readonly type: string; readonly label: string }[];
}

const MARKED = new Set(['run.started', 'signal', 'shutdown', 'run.recovered']);

/**
 * A stopped data directory's run as it went: the activity log (machine states) and each
 * stage journal indexed by record time (counts, what each stage had read). Built once by
 * reading every journal through; each moment then costs a binary search and one chunk read
 * per journal. Cursors are not timestamped, so what a stage had read at T is the highest
 * upstream seq its records up to T name (a stage that writes nothing for an input lags until
 * its next output); from the end of the log on, the stored cursors are exact.
 */
export class RunHistory {
  private constructor(
    private readonly store: JournalStore,
    readonly definition: StoredDefinition,
    private readonly activity: readonly ActivityRecord[],
    private readonly indexes: ReadonlyMap<string, JournalIndex>,
  ) {}

  /** Reads the activity log and indexes every stage journal of `definition`. */
  static async load(store: JournalStore, definition: StoredDefinition): Promise<RunHistory> {
    const activity: ActivityRecord[] = [];
    for (let after = 0; ; ) {
      const page = await store.read(SYSTEM_JOURNAL, after, 1000);
      const last = page.at(-1);
      if (last === undefined) break;
      for (const r of page) activity.push({ ...(r.payload as ActivityRecord), seq: r.seq, at: r.at });
      after = last.seq;
    }
    const indexes = new Map<string, JournalIndex>();
    for (const node of definition.topology) indexes.set(node.name, await JournalIndex.build(store, node.name));
    return new RunHistory(store, definition, activity, indexes);
  }

  /** The run's span: from the first activity record (or journal record) to the last. */
  timeline(): Timeline {
    const journalEnd = Math.max(...[...this.indexes.values()].map((i) => i.lastAt));
    const first = this.activity[0]?.at ?? 0;
    const end = Math.max(this.activity.at(-1)?.at ?? first, Number.isFinite(journalEnd) ? journalEnd : first);
    const marks = this.activity.filter((a) => MARKED.has(a.type)).map((a) => ({ at: a.at, type: a.type, label: label(a) }));
    return { flow: this.definition.name, start: first, end, runs: this.activity.filter((a) => a.type === 'run.started').length, activity: this.activity.length, marks };
  }

  /** The state of every machine and the counts of every stage at `t` (clamped to the run's span). */
  async at(t: number): Promise<Moment> {
    const { start, end } = this.timeline();
    const at = Math.min(Math.max(t, start - 1), end);
    const { run, pipeline, states } = this.statesAt(at);
    const prefixes = new Map<string, Awaited<ReturnType<JournalIndex['at']>>>();
    for (const [name, index] of this.indexes) prefixes.set(name, await index.at(at));
    const stages: MomentStage[] = [];
    for (const node of this.definition.topology) {
      const own = prefixes.get(node.name);
      const inputs: MomentInput[] = [];
      let handled = 0;
      for (const key of node.inputs) {
        const { upstream, port } = parseInputKey(key);
        const upstreamAt = prefixes.get(upstream);
        const upstreamSeq = upstreamAt?.seq ?? 0;
        // A stage writes its EOF once every input is read to its end (the upstream's EOF, which names no cause, included).
        const readAll = (own?.counts.eof ?? 0) > 0;
        const named = readAll ? upstreamSeq : Math.min(upstreamSeq, own?.read[upstream] ?? 0);
        const stored = at >= end ? await this.store.cursor(node.name, key) : named;
        const read = await this.indexes.get(upstream)?.upToSeq(stored);
        // Only data records of its port lead to output: the ones after what it named are its lag,
        // and with none it had read to the upstream's end (control records, the other ports' records).
        const total = upstreamAt === undefined ? 0 : dataFor(upstreamAt, port);
        const done = read === undefined ? 0 : dataFor(read, port);
        const lag = Math.max(0, total - done);
        inputs.push({ upstream: key, cursor: lag === 0 ? Math.max(stored, upstreamSeq) : stored, lag });
        handled += done;
      }
      stages.push({
        name: node.name,
        kind: node.kind,
        state: states.get(node.name) ?? 'created',
        in: handled,
        out: node.kind === 'sink' ? (own?.delivered ?? 0) : (own?.counts.data ?? 0),
        errors: own?.counts.error ?? 0,
        lag: inputs.reduce((sum, i) => sum + i.lag, 0),
        seq: own?.seq ?? 0,
        inputs,
      });
    }
    return { at, run, pipeline, stages };
  }

  /** Machine states from the activity log up to `t`; a run started resets them. */
  private statesAt(t: number): { run: string | undefined; pipeline: string; states: Map<string, string> } {
    let run: string | undefined;
    let pipeline = 'created';
    const states = new Map<string, string>();
    for (const a of this.activity) {
      if (a.at > t) break;
      if (a.type === 'run.started') {
        run = a.run;
        pipeline = 'created';
        states.clear();
      } else if (a.type === 'pipeline.state') pipeline = a.to;
      else if (a.type === 'stage.state') states.set(a.stage, a.to);
    }
    return { run, pipeline, states };
  }
}

function label(a: ActivityRecord): string {
  switch (a.type) {
    case 'run.started':
      return `run ${a.run} started`;
    case 'signal':
      return `${a.signal} (${a.source})${a.refusedIn === undefined ? '' : ` refused in ${a.refusedIn}`}`;
    case 'shutdown':
      return `shutdown, ${a.clean ? 'clean' : 'not clean'}: ${a.state}`;
    default:
      return a.type;
  }
}
