import { FlowDefinitionError } from '../errors.ts';
import type { JournalRecord } from '../record.ts';
import type { StageOptions, StageType } from '../stage-node.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import { defineStageKind, inputCount, stageNode } from './define.ts';

/** When a delayed record is due: a fixed wait after it was written upstream, or a time it computes. */
export type DelayBy<T> =
  | { readonly forMs: number }
  | {
      /** The due time in ms since the epoch (a throw, or not a finite number, sends the record to the error lane). */
      readonly until: (value: T, record: JournalRecord<T>) => number;
    };

/** A delay stage's settings as the runtime sees them. */
export interface DelaySpec {
  /** The record's due time (ms since the epoch). */
  readonly dueAt: (value: unknown, record: JournalRecord) => number;
}

/** The delay kind: one upstream, one output. */
export const delayKind: StageType<DelaySpec> = defineStageKind<DelaySpec>({
  name: 'delay',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});

/**
 * Holds each record until it is due, then passes it on unchanged (its cause is the input):
 * `{ forMs }` after the record was written upstream (its `at`, so the due time is the same in
 * every run), or `{ until }`, a time computed from the record. Pending records are durable,
 * kept in the stage's keyed state by due time: they survive restarts and fire at their due time
 * on the run's clock, in due-time order (input order among equal times), not early and not
 * twice. When its input has ended, the stage ends once the last pending record has fired.
 */
export function delay<T>(name: string, upstream: StageRef<T>, by: DelayBy<T>, options: StageOptions = {}): StageRef<T> {
  let dueAt: DelaySpec['dueAt'];
  if ('forMs' in by) {
    const { forMs } = by;
    if (!Number.isFinite(forMs) || forMs < 0) {
      throw new FlowDefinitionError(`delay "${name}": forMs must be a non-negative number of ms, got ${String(forMs)}`, name);
    }
    dueAt = (_value, record) => record.at + forMs;
  } else {
    const { until } = by;
    dueAt = (value, record) => until(value as T, record as JournalRecord<T>);
  }
  return stageRef<T>(stageNode(delayKind, { name, inputs: [upstream.edge], spec: { dueAt }, options }));
}
