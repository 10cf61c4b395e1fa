import { FlowDefinitionError } from './errors.ts';
import { ref, type StageRef } from './dsl.ts';
import { formatInputKey } from './input-key.ts';
import { stageNode } from './kinds/define.ts';
import { firstKind, joinKind } from './kinds/join.ts';
import type { JoinKey, StageOptions } from './stage-node.ts';

/** How a synchronizing join pairs its inputs. */
export interface JoinSpec<TLeft, TRight, TOut> {
  readonly leftKey: (left: TLeft) => JoinKey;
  readonly rightKey: (right: TRight) => JoinKey;
  readonly combine: (left: TLeft, right: TRight) => TOut;
  /**
   * What happens to records still unpaired when both inputs have ended: `error` (default)
   * puts each in the join's error lane with the reason, `drop` forgets them.
   */
  readonly unmatched?: 'error' | 'drop';
}

function distinct(name: string, upstreams: readonly StageRef<unknown>[]): void {
  const keys = upstreams.map((u) => formatInputKey(u.edge.from.name, u.edge.port ?? 0));
  if (new Set(keys).size !== keys.length) {
    throw new FlowDefinitionError(`stage "${name}" reads the same upstream twice`, name);
  }
}

/**
 * Synchronizing join: pairs each left record with a right record of the same key (first come,
 * first paired, per key) and emits `combine(left, right)`. Unpaired records wait in the join's
 * state, which is committed with its cursors, so a crash neither loses nor doubles a pair.
 */
export function join<TLeft, TRight, TOut>(
  name: string,
  left: StageRef<TLeft>,
  right: StageRef<TRight>,
  spec: JoinSpec<TLeft, TRight, TOut>,
  options: StageOptions = {},
): StageRef<TOut> {
  distinct(name, [left, right] as readonly StageRef<unknown>[]);
  const node = stageNode(joinKind, {
    name,
    inputs: [left.edge, right.edge],
    spec: {
      keys: [spec.leftKey as (value: unknown) => JoinKey, spec.rightKey as (value: unknown) => JoinKey],
      combine: spec.combine as (left: unknown, right: unknown) => unknown,
      unmatched: spec.unmatched ?? 'error',
    },
    options,
  });
  return ref<TOut>(node);
}

/**
 * First-of-N (discriminator): of the records with the same key arriving on any of the
 * upstreams, emits the first and drops the rest. The keys seen are kept in the stage's state.
 */
export function first<T>(
  name: string,
  upstreams: readonly StageRef<T>[],
  key: (value: T) => JoinKey,
  options: StageOptions = {},
): StageRef<T> {
  distinct(name, upstreams);
  const node = stageNode(firstKind, {
    name,
    inputs: upstreams.map((u) => u.edge),
    spec: { key: key as (value: unknown) => JoinKey },
    options,
  });
  return ref<T>(node);
}
