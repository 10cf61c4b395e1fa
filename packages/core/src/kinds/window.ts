import { FlowDefinitionError } from '../errors.ts';
import type { JournalRecord } from '../record.ts';
import type { JoinKey, StageOptions, StageType } from '../stage-node.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import type { WindowAssigner } from '../windows/assigners.ts';
import { defineStageKind, inputCount, stageNode } from './define.ts';

/** How a window folds its records: an accumulator per (key, window). */
export interface WindowAggregate<T, A> {
  /** A window's accumulator before its first record. */
  init(): A;
  /** Folds one record into a window's accumulator (a throw sends the record to the error lane). */
  add(acc: A, value: T): A;
  /** Two sessions' accumulators as one, when a record bridges them; session windows need it. */
  merge?(a: A, b: A): A;
}

/** Which window a result is for: its key and `[start, end)` in epoch ms. */
export interface WindowBounds {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/** What a window stage emits by default when a window closes: its bounds and accumulator. */
export interface WindowResult<A> extends WindowBounds {
  readonly value: A;
}

/** A window stage's settings. */
export interface WindowOptions<T, A, O> {
  /** The record's key (compared as a string); default one key for all records (`''`). */
  readonly key?: (value: T) => JoinKey;
  /** Which windows a record belongs to: `tumbling(size)`, `sliding(size, slide)` or `session(gap)`. */
  readonly windows: WindowAssigner;
  /**
   * The record's event time in epoch ms (a fraction is dropped); default the record's own event
   * time (`Envelope.time`, set upstream with `StageOptions.eventTime`). Not a finite number, or
   * before the epoch: the record goes to the error lane.
   */
  readonly time?: (value: T, record: JournalRecord<T>) => number;
  /** How long past its end a window still takes records; default 0. */
  readonly allowedLatenessMs?: number;
  readonly aggregate: WindowAggregate<T, A>;
  /** What a closed window emits; default `{ key, start, end, value }`. */
  readonly result?: (acc: A, window: WindowBounds) => O;
}

/** A window stage's output: the window results, and its late lane as `.late`. */
export type WindowedRef<O, T> = StageRef<O> & {
  /** The records that came after all their windows had closed (port 1): never silently dropped. */
  readonly late: StageRef<T>;
};

/** A window stage's settings as the runtime sees them (types erased). */
export interface WindowSpec {
  readonly key: (value: unknown) => JoinKey;
  readonly windows: WindowAssigner;
  readonly time: ((value: unknown, record: JournalRecord) => number) | undefined;
  readonly allowedLatenessMs: number;
  readonly aggregate: WindowAggregate<unknown, unknown>;
  readonly result: (acc: unknown, window: WindowBounds) => unknown;
}

/** Output port of a window stage's results. */
export const WINDOW_RESULTS_PORT = 0;
/** Output port of a window stage's late records. */
export const WINDOW_LATE_PORT = 1;

/** The window kind: one upstream; port 0 the results, port 1 the late records. */
export const windowKind: StageType<WindowSpec> = defineStageKind<WindowSpec>({
  name: 'window',
  ports: () => 2,
  validate: (node) => inputCount(node, 1, 1),
});

/**
 * Event-time windows over keyed state: each record is folded into its key's windows; a window
 * closes, emits `result` once (with event time `end - 1`) and drops its state when the stage's
 * watermark reaches `end + allowedLatenessMs`, and at EOF every open window closes, in
 * (end, key, start) order. A record all of whose windows have closed goes to `.late`. Open
 * windows are committed with the cursor, so a crash neither loses nor double-counts one.
 *
 * ```ts
 * const counts = window('bids-per-auction', bids, {
 *   key: (b) => b.auction,
 *   windows: sliding(10_000, 2_000),
 *   aggregate: { init: () => 0, add: (n) => n + 1 },
 * });
 * sink('late', counts.late, jsonLinesSink('late.jsonl'));
 * ```
 */
export function window<T, A, O = WindowResult<A>>(
  name: string,
  upstream: StageRef<T>,
  options: WindowOptions<T, A, O>,
  stageOptions: StageOptions = {},
): WindowedRef<O, T> {
  // Checked at run time too: a flow written in JavaScript may pass anything.
  const { aggregate, windows } = options as Partial<WindowOptions<T, A, O>>;
  if (typeof aggregate?.init !== 'function' || typeof aggregate.add !== 'function') {
    throw new FlowDefinitionError(`window "${name}" needs an aggregate with init and add`, name);
  }
  if (windows === undefined || !['tumbling', 'sliding', 'session'].includes(windows.type)) {
    throw new FlowDefinitionError(`window "${name}" needs windows: tumbling(size), sliding(size, slide) or session(gap)`, name);
  }
  if (windows.type === 'session' && typeof aggregate.merge !== 'function') {
    throw new FlowDefinitionError(`window "${name}": session windows need aggregate.merge (merging sessions merge their accumulators)`, name);
  }
  const lateness = options.allowedLatenessMs ?? 0;
  if (!Number.isSafeInteger(lateness) || lateness < 0) {
    throw new FlowDefinitionError(`window "${name}": allowedLatenessMs must be a whole number of ms ≥ 0, got ${String(lateness)}`, name);
  }
  const spec: WindowSpec = {
    key: (options.key ?? (() => '')) as WindowSpec['key'],
    windows,
    time: options.time as WindowSpec['time'],
    allowedLatenessMs: lateness,
    aggregate,
    result: (options.result ?? ((value, bounds) => ({ ...bounds, value }))) as WindowSpec['result'],
  };
  const node = stageNode(windowKind, { name, inputs: [upstream.edge], spec, options: stageOptions });
  return Object.assign(stageRef<O>(node, WINDOW_RESULTS_PORT), { late: stageRef<T>(node, WINDOW_LATE_PORT) });
}
