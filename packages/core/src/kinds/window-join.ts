import { FlowDefinitionError } from '../errors.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import type { JoinKey, StageOptions, StageType } from '../stage-node.ts';
import { defineStageKind, distinctInputs, inputCount, stageNode } from './define.ts';

/** The tumbling event-time window `[start, end)` a joined pair fell in. */
export interface JoinWindow {
  readonly start: number;
  readonly end: number;
}

/** How a window join matches and combines its two inputs (see {@link windowJoin}). */
export interface WindowJoinOptions<TLeft, TRight, TOut> {
  /** A left record's key (compared as a string); a throw sends the record to the error lane. */
  readonly leftKey: (left: TLeft) => JoinKey;
  /** A right record's key (compared as a string); a throw sends the record to the error lane. */
  readonly rightKey: (right: TRight) => JoinKey;
  /** Tumbling window size in ms of event time, windows aligned to the epoch. */
  readonly windowMs: number;
  /** One output per pair with the same key in the same window; a throw sends the pair to the error lane. */
  readonly combine: (left: TLeft, right: TRight, window: JoinWindow) => TOut;
}

/** A window join's output: the pairs, and its late lane as `.late`. */
export type WindowJoinRef<TOut, TLeft, TRight> = StageRef<TOut> & {
  /** The records of either side that came after their window had closed (port 1): never silently dropped. */
  readonly late: StageRef<TLeft | TRight>;
};

/** Output port of a window join's pairs. */
export const WINDOW_JOIN_PAIRS_PORT = 0;
/** Output port of a window join's late records. */
export const WINDOW_JOIN_LATE_PORT = 1;

/** A window join's settings as the runtime sees them (types erased). Inputs: left, right. */
export interface WindowJoinSpec {
  readonly keys: readonly [(value: unknown) => JoinKey, (value: unknown) => JoinKey];
  readonly windowMs: number;
  readonly combine: (left: unknown, right: unknown, window: JoinWindow) => unknown;
}

/** The window-join kind: two distinct upstreams (left, right); port 0 the pairs, port 1 the late records. */
export const windowJoinKind: StageType<WindowJoinSpec> = defineStageKind<WindowJoinSpec>({
  name: 'window-join',
  ports: () => 2,
  validate: (node) => [...inputCount(node, 2, 2), ...distinctInputs(node)],
});

/**
 * Window join on event time: a left and a right record with the same key whose event times fall
 * in the same tumbling window `[start, start + windowMs)` are combined, as soon as the later of
 * the two arrives. Records are buffered per window, key and side in keyed state, and a window's
 * buffers are deleted once the stage's watermark passes its end, so the watermark bounds the
 * state. Both inputs need event time (`StageOptions.eventTime` upstream): a record without one
 * goes to the error lane; one whose window had closed when it arrived goes to `.late`. Throws
 * FlowDefinitionError naming the stage for the same upstream twice or a bad `windowMs`.
 */
export function windowJoin<TLeft, TRight, TOut>(
  name: string,
  left: StageRef<TLeft>,
  right: StageRef<TRight>,
  options: WindowJoinOptions<TLeft, TRight, TOut>,
  stageOptions: StageOptions = {},
): WindowJoinRef<TOut, TLeft, TRight> {
  const { leftKey, rightKey, combine, windowMs } = options;
  if (typeof leftKey !== 'function' || typeof rightKey !== 'function' || typeof combine !== 'function') {
    throw new FlowDefinitionError(`window join "${name}" needs leftKey, rightKey and combine functions`, name);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new FlowDefinitionError(`window join "${name}": windowMs must be a whole number of ms above 0`, name);
  }
  const spec: WindowJoinSpec = {
    keys: [leftKey as (value: unknown) => JoinKey, rightKey as (value: unknown) => JoinKey],
    windowMs,
    combine: combine as WindowJoinSpec['combine'],
  };
  const node = stageNode(windowJoinKind, { name, inputs: [left.edge, right.edge], spec, options: stageOptions });
  const [problem] = windowJoinKind.validate?.(node) ?? [];
  if (problem !== undefined) throw problem;
  return Object.assign(stageRef<TOut>(node, WINDOW_JOIN_PAIRS_PORT), { late: stageRef<TLeft | TRight>(node, WINDOW_JOIN_LATE_PORT) });
}
