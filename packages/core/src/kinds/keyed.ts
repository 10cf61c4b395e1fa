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
  // The runtime sees the handler with its types erased, as every kind's spec.
  const spec = { handler } as unknown as KeyedSpec;
  return stageRef<O>(stageNode(keyedKind, { name, inputs: [upstream.edge], spec, options }));
}
