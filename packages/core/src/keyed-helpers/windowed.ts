import { FlowDefinitionError } from '../errors.ts';
import type { JournalRecord } from '../record.ts';
import type { StageOptions } from '../stage-node.ts';
import type { StageRef } from '../dsl.ts';
import { window, type WindowBounds, type WindowedRef } from '../kinds/window.ts';
import type { WindowAssigner } from '../windows/assigners.ts';
import type { Aggregator, KeyFn } from './aggregate.ts';

/** `windowedBy`'s settings: the window stage's event time, lateness and stage options. */
export type WindowedByOptions<T> = StageOptions & {
  /** The record's event time (epoch ms); default its own (`record.time`, set upstream with `eventTime`). */
  readonly time?: (value: T, record: JournalRecord<T>) => number;
  /** How long past its end a window still takes records; default 0. */
  readonly allowedLatenessMs?: number;
};

/** What a windowed `aggregate` or `reduce` emits when a window closes. */
export interface WindowedValue<R> extends WindowBounds {
  readonly value: R;
}

/** What a windowed `count` emits when a window closes. */
export interface WindowedCount extends WindowBounds {
  readonly count: number;
}

/**
 * Records grouped by key and event-time window: each aggregation is one `window` stage, whose
 * result per (key, window) is emitted once, when the watermark closes the window (or at EOF),
 * and whose late records are on `.late`.
 */
export interface WindowedGroup<T> {
  /** Folds each key's records per window with `aggregator` (session windows need `merge`). */
  aggregate<A, R = A>(aggregator: Aggregator<T, A, R>): WindowedRef<WindowedValue<R>, T>;
  /** Combines each key's records per window pairwise (sessions merge with `combine` too). */
  reduce(combine: (acc: T, value: T) => T): WindowedRef<WindowedValue<T>, T>;
  /** Counts each key's records per window. */
  count(): WindowedRef<WindowedCount, T>;
}

/** The windowed aggregations of `groupBy(name, upstream, key).windowedBy(windows, options)`. */
export function windowedGroup<T>(
  name: string,
  upstream: StageRef<T>,
  key: KeyFn<T>,
  windows: WindowAssigner,
  options: WindowedByOptions<T>,
): WindowedGroup<T> {
  const { time, allowedLatenessMs, ...stage } = options;
  const settings = {
    key,
    windows,
    ...(time === undefined ? {} : { time }),
    ...(allowedLatenessMs === undefined ? {} : { allowedLatenessMs }),
  };
  return {
    aggregate: <A, R>(aggregator: Aggregator<T, A, R>) => {
      if (typeof aggregator.init !== 'function' || typeof aggregator.add !== 'function') {
        throw new FlowDefinitionError(`aggregate "${name}" needs init and add functions`, name);
      }
      const result = aggregator.result?.bind(aggregator) ?? ((acc: A) => acc as unknown as R);
      const merge = aggregator.merge?.bind(aggregator);
      return window<T, A, WindowedValue<R>>(name, upstream, {
        ...settings,
        aggregate: { init: () => aggregator.init(), add: (acc, value) => aggregator.add(acc, value), ...(merge === undefined ? {} : { merge }) },
        result: (acc, bounds) => ({ ...bounds, value: result(acc) }),
      }, stage);
    },
    reduce: (combine) => {
      // A window's accumulator before its first record is undefined; journaled records never are.
      const both = (a: T | undefined, b: T | undefined): T | undefined => (a === undefined ? b : b === undefined ? a : combine(a, b));
      return window<T, T | undefined, WindowedValue<T>>(name, upstream, {
        ...settings,
        aggregate: { init: () => undefined, add: both, merge: both },
        result: (acc, bounds) => ({ ...bounds, value: acc as T }),
      }, stage);
    },
    count: () =>
      window<T, number, WindowedCount>(name, upstream, {
        ...settings,
        aggregate: { init: () => 0, add: (n) => n + 1, merge: (a, b) => a + b },
        result: (n, bounds) => ({ ...bounds, count: n }),
      }, stage),
  };
}
