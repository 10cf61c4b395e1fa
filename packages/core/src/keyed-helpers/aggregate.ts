import { FlowDefinitionError } from '../errors.ts';
import type { JoinKey } from '../stage-node.ts';
import type { StageRef } from '../dsl.ts';
import { foldKeyed, splitOptions, type HelperOptions } from './emit-policy.ts';
import { sameValue } from './same-value.ts';
import { windowedGroup, type WindowedByOptions, type WindowedGroup } from './windowed.ts';
import type { WindowAssigner } from '../windows/assigners.ts';

/** A key function of a helper: the record's key, compared as a string; a throw sends the record to the error lane. */
export type KeyFn<T> = (value: T) => JoinKey;

/** How `aggregate` folds a key's records (Flink's AggregateFunction, Kafka Streams' aggregate). */
export interface Aggregator<T, A, R = A> {
  /** A key's (or a window's) accumulator before its first record. */
  init(): A;
  /**
   * Folds one record into the accumulator and returns it. For `'change'`, a new value is
   * compared with the one before as data (equal: nothing is emitted), while the same object
   * returned always counts as changed, as it may have been changed in place (a number or
   * string returned as it was does not). A throw sends the record to the error lane, the key's
   * accumulator stays as it was (so do not change it before throwing).
   */
  add(acc: A, value: T): A;
  /** What to emit for an accumulator (default: the accumulator itself). */
  result?(acc: A): R;
  /** Two accumulators as one: session windows need it (sessions that a record bridges merge). */
  merge?(a: A, b: A): A;
}

/** What `aggregate` and `reduce` emit: the key and its result. */
export interface Aggregated<R> {
  readonly key: string;
  readonly value: R;
}

/** What `count` emits: the key and how many records it has had. */
export interface Counted {
  readonly key: string;
  readonly count: number;
}

/** Records grouped by key, ready to aggregate: what `groupBy` returns. */
export interface Grouped<T> {
  /** Folds each key's records with `aggregator`; emits `{ key, value }` per `options.emit`. */
  aggregate<A, R = A>(aggregator: Aggregator<T, A, R>, options?: HelperOptions): StageRef<Aggregated<R>>;
  /** Combines each key's records pairwise, the first as it is; emits `{ key, value }` per `options.emit`. */
  reduce(combine: (acc: T, value: T) => T, options?: HelperOptions): StageRef<Aggregated<T>>;
  /** Counts each key's records; emits `{ key, count }` per `options.emit`. */
  count(options?: HelperOptions): StageRef<Counted>;
  /**
   * The same aggregations per key and event-time window, emitted once when a window closes
   * (the "on window close" policy): see {@link WindowedGroup}.
   */
  windowedBy(windows: WindowAssigner, options?: WindowedByOptions<T>): WindowedGroup<T>;
}

/**
 * Groups `upstream`'s records by `key` for a keyed aggregation named `name` — one keyed stage,
 * state per key in the store, only changed keys written per commit:
 *
 * ```ts
 * groupBy('per-user', events, (e) => e.user).aggregate({ init: () => 0, add: (n, e) => n + e.ms }, { emit: 'eof' });
 * ```
 */
export function groupBy<T>(name: string, upstream: StageRef<T>, key: KeyFn<T>): Grouped<T> {
  if (typeof key !== 'function') throw new FlowDefinitionError(`groupBy "${name}" needs a key function`, name);
  return {
    aggregate: (aggregator, options = {}) => aggregateBy(name, upstream, key, aggregator, options),
    reduce: (combine, options = {}) => reduce(name, upstream, key, combine, options),
    count: (options = {}) => count(name, upstream, key, options),
    windowedBy: (windows, options = {}) => windowedGroup(name, upstream, key, windows, options),
  };
}

function aggregateBy<T, A, R>(
  name: string,
  upstream: StageRef<T>,
  key: KeyFn<T>,
  aggregator: Aggregator<T, A, R>,
  options: HelperOptions,
): StageRef<Aggregated<R>> {
  if (typeof aggregator.init !== 'function' || typeof aggregator.add !== 'function') {
    throw new FlowDefinitionError(`aggregate "${name}" needs init and add functions`, name);
  }
  const { emit, stage } = splitOptions(name, options);
  const result = aggregator.result?.bind(aggregator) ?? ((acc: A) => acc as unknown as R);
  return foldKeyed<T, A, Aggregated<R>>(name, upstream, {
    key,
    init: () => aggregator.init(),
    add: (acc, value) => aggregator.add(acc, value),
    // The same object back may have been changed in place: only a new value can be compared.
    changed: (before, after) => (before === after ? typeof after === 'object' && after !== null : !sameValue(before, after)),
    present: (k, acc) => ({ key: k, value: result(acc) }),
  }, emit, stage);
}

/**
 * Reduces each key's records with `combine` (the first record of a key as it is), e.g. the
 * highest bid per auction: `reduce('max', bids, (b) => b.auction, (a, b) => (b.price > a.price ? b : a))`.
 * Emits `{ key, value }` per `options.emit` (default `'change'`: not when `combine` returned
 * what it was given).
 */
export function reduce<T>(
  name: string,
  upstream: StageRef<T>,
  key: KeyFn<T>,
  combine: (acc: T, value: T) => T,
  options: HelperOptions = {},
): StageRef<Aggregated<T>> {
  if (typeof combine !== 'function') throw new FlowDefinitionError(`reduce "${name}" needs a combine function`, name);
  const { emit, stage } = splitOptions(name, options);
  // Before its first record a key has no value; journaled records are never undefined.
  return foldKeyed<T, T | undefined, Aggregated<T>>(name, upstream, {
    key,
    init: () => undefined,
    add: (acc, value) => (acc === undefined ? value : combine(acc, value)),
    changed: (before, after) => !Object.is(before, after),
    present: (k, acc) => ({ key: k, value: acc as T }),
  }, emit, stage);
}

/** Counts records per key: `count('clicks', events, (e) => e.page, { emit: 'eof' })` emits `{ key, count }`. */
export function count<T>(name: string, upstream: StageRef<T>, key: KeyFn<T>, options: HelperOptions = {}): StageRef<Counted> {
  const { emit, stage } = splitOptions(name, options);
  return foldKeyed<T, number, Counted>(name, upstream, {
    key,
    init: () => 0,
    add: (n) => n + 1,
    changed: () => true,
    present: (k, n) => ({ key: k, count: n }),
  }, emit, stage);
}
