import { FlowDefinitionError } from '../errors.ts';
import type { JournalRecord } from '../record.ts';
import type { JoinKey, StageOptions, StageType } from '../stage-node.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import { defineStageKind, inputCount, stageNode } from './define.ts';

/** What a keyed stage emits by default on every change: the key and its new state. */
export interface KeyedUpdate<S> {
  readonly key: string;
  readonly state: S;
}

/** A keyed stage's handler: per-key state, folded one record at a time. */
export interface KeyedHandler<S, T, O> {
  /** The record's key (compared as a string); a throw sends the record to the error lane. */
  key(value: T, record: JournalRecord<T>): JoinKey;
  /** A key's state before its first record. */
  init(key: string): S;
  /**
   * Folds one record into its key's state. It must not change `state` before it throws: a throw
   * keeps the state as it was and sends the record to the error lane. Returning `undefined`
   * deletes the key (removed from the store in the batch's commit; `output` is not called and
   * nothing is emitted for that record; the key's next record starts again from `init`), so
   * dedupe and TTL helpers can expire keys.
   */
  step(state: S, value: T, record: JournalRecord<T>): S | undefined;
  /** What to emit for the record (undefined: nothing); default `{ key, state }`. */
  output?(state: S, value: T, key: string): O | undefined;
  /** Once every upstream has ended, what to emit for each key (in key order); default nothing. */
  onEof?(state: S, key: string): O | undefined;
  /**
   * When a key expires, so that state of keys that never come back does not grow without bound:
   * a time (epoch ms, compared with the stage's watermark when its records carry event time,
   * else with the run's clock), or undefined for never. Called with each new state; the first
   * batch past that time deletes the key in its commit, and a later record of it starts again
   * from `init`. Keys starting with U+0001 are then reserved (the expiry index lives there).
   */
  expireAt?(state: S, key: string): number | undefined;
  /**
   * Emission on the run's clock, not only on input: at every multiple of `everyMs` on the clock
   * (the injected one: virtual in tests), `fire` is called for each key changed since the last
   * firing, in key order, with its committed state and the firing's time `at` (that multiple);
   * what it returns is emitted (undefined: nothing), a throw sends `{ key, state }` to the error
   * lane. A firing is a batch committed like any other: it is neither lost nor repeated across a
   * restart (a firing due while the run was down happens at start). It stops once the input has
   * ended (`onEof` covers the end). A deleted key is not fired.
   */
  timer?: {
    /** The period in ms, a positive number. */
    readonly everyMs: number;
    /** What to emit for a key changed since the last firing. */
    fire(state: S, key: string, at: number): O | undefined;
  };
}

/** A keyed stage's settings as the runtime sees them. */
export interface KeyedSpec {
  readonly handler: KeyedHandler<unknown, unknown, unknown>;
}

/** The keyed kind: one upstream, one output. */
export const keyedKind: StageType<KeyedSpec> = defineStageKind<KeyedSpec>({
  name: 'keyed',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});

/**
 * A stage with state per key: each record is folded into its key's state, and only the keys a
 * batch changed are written, per key, in the transaction that moves the cursor. So a batch costs
 * what it touched, whether the stage holds a hundred keys or millions (unlike `stateful`, whose
 * whole state is written with every batch).
 */
export function keyed<S, T, O = KeyedUpdate<S>>(
  name: string,
  upstream: StageRef<T>,
  handler: KeyedHandler<S, T, O>,
  options: StageOptions = {},
): StageRef<O> {
  if (typeof handler.key !== 'function' || typeof handler.step !== 'function' || typeof handler.init !== 'function') {
    throw new FlowDefinitionError(`keyed "${name}" needs key, init and step functions`, name);
  }
  const { timer } = handler;
  if (timer !== undefined && (!(timer.everyMs > 0) || !Number.isFinite(timer.everyMs) || typeof timer.fire !== 'function')) {
    throw new FlowDefinitionError(`keyed "${name}": timer needs a positive, finite everyMs and a fire function`, name);
  }
  // The runtime sees the handler with its types erased, as every kind's spec.
  const spec = { handler } as unknown as KeyedSpec;
  return stageRef<O>(stageNode(keyedKind, { name, inputs: [upstream.edge], spec, options }));
}
