import { FlowDefinitionError } from '../errors.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import type { JoinKey, StageOptions, StageType } from '../stage-node.ts';
import { defineStageKind, distinctInputs, inputCount, stageNode } from './define.ts';

/** How a keyed stream join matches and combines its two inputs (see {@link streamJoin}). */
export interface StreamJoinOptions<TLeft, TRight, TOut> {
  /** A left record's key (compared as a string); a throw sends the record to the error lane. */
  readonly leftKey: (left: TLeft) => JoinKey;
  /** A right record's key (compared as a string); a throw sends the record to the error lane. */
  readonly rightKey: (right: TRight) => JoinKey;
  /** One output per matching pair; a throw sends that pair to the error lane. */
  readonly combine: (left: TLeft, right: TRight) => TOut;
  /**
   * An interval join on event time: pair only records whose times are at most this many ms
   * apart, and keep a stored record only until the stage's watermark passes its time + `within`
   * (no record on time can pair with it after that), so the watermark bounds the state. Both
   * inputs then need event time: a record without one goes to the error lane. Default: every
   * record is kept and pairs with every other of its key, whatever their times.
   */
  readonly within?: number;
}

/** A stream join's settings as the runtime sees them (types erased). Inputs: left, right. */
export interface StreamJoinSpec {
  readonly keys: readonly [(value: unknown) => JoinKey, (value: unknown) => JoinKey];
  readonly combine: (left: unknown, right: unknown) => unknown;
  readonly within?: number;
}

/** The stream-join kind: two distinct upstreams (left, right), one output. */
export const streamJoinKind: StageType<StreamJoinSpec> = defineStageKind<StreamJoinSpec>({
  name: 'stream-join',
  ports: () => 1,
  validate: (node) => [...inputCount(node, 2, 2), ...distinctInputs(node)],
});

/**
 * Regular keyed join of two streams, one-to-many on both sides: each record, whichever side it
 * arrives on, is combined with every stored record of the other side with the same key (in their
 * arrival order), then stored itself, per key in the stage's keyed state. So every matching pair
 * is emitted once, when its later record arrives. Without `within` the state grows with both
 * inputs (every record is kept until the end); with it, the watermark bounds it. Throws
 * FlowDefinitionError naming the stage for the same upstream twice or a bad `within`.
 */
export function streamJoin<TLeft, TRight, TOut>(
  name: string,
  left: StageRef<TLeft>,
  right: StageRef<TRight>,
  options: StreamJoinOptions<TLeft, TRight, TOut>,
  stageOptions: StageOptions = {},
): StageRef<TOut> {
  const { leftKey, rightKey, combine, within } = options;
  if (typeof leftKey !== 'function' || typeof rightKey !== 'function' || typeof combine !== 'function') {
    throw new FlowDefinitionError(`stream join "${name}" needs leftKey, rightKey and combine functions`, name);
  }
  if (within !== undefined && !(Number.isSafeInteger(within) && within >= 0)) {
    throw new FlowDefinitionError(`stream join "${name}": within must be a whole number of ms, 0 or more`, name);
  }
  const spec: StreamJoinSpec = {
    keys: [leftKey as (value: unknown) => JoinKey, rightKey as (value: unknown) => JoinKey],
    combine: combine as (l: unknown, r: unknown) => unknown,
    ...(within === undefined ? {} : { within }),
  };
  const node = stageNode(streamJoinKind, { name, inputs: [left.edge, right.edge], spec, options: stageOptions });
  const [problem] = streamJoinKind.validate?.(node) ?? [];
  if (problem !== undefined) throw problem;
  return stageRef<TOut>(node);
}
