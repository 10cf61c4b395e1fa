import type { JoinKey, StageType } from '../stage-node.ts';
import { defineStageKind, distinctInputs, inputCount } from './define.ts';

/** A synchronizing join's settings as the runtime sees them (left and right erased). */
export interface JoinStageSpec {
  readonly keys: readonly [(value: unknown) => JoinKey, (value: unknown) => JoinKey];
  readonly combine: (left: unknown, right: unknown) => unknown;
  readonly unmatched: 'error' | 'drop';
}

/** A first-of-N stage's settings. */
export interface FirstSpec {
  readonly key: (value: unknown) => JoinKey;
}

/** The join kind: two distinct upstreams (left, right), one output. */
export const joinKind: StageType<JoinStageSpec> = defineStageKind<JoinStageSpec>({
  name: 'join',
  ports: () => 1,
  validate: (node) => [...inputCount(node, 2, 2), ...distinctInputs(node)],
});

/** The first-of-N kind: one or more distinct upstreams, one output. */
export const firstKind: StageType<FirstSpec> = defineStageKind<FirstSpec>({
  name: 'first',
  ports: () => 1,
  validate: (node) => [...inputCount(node, 1, Infinity), ...distinctInputs(node)],
});
