import { FlowDefinitionError } from '../errors.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import type { JoinKey, StageOptions, StageType } from '../stage-node.ts';
import { defineStageKind, distinctInputs, inputCount, stageNode } from './define.ts';

/**
 * What a lookup does with a stream record whose key has no reference row: `inner` drops it,
 * `left` combines it with `undefined`, `strict` sends it to the error lane naming the stage and key.
 */
export type LookupMode = 'inner' | 'left' | 'strict';

/** The keys of a lookup: the stream record's and the reference row's, compared as strings. */
interface LookupKeys<TStream, TRef> {
  /** The stream record's key; a throw sends the record to the error lane. */
  readonly key: (record: TStream) => JoinKey;
  /** The reference row's key; a throw sends the row to the error lane. Last row of a key wins. */
  readonly referenceKey: (row: TRef) => JoinKey;
}

/** How a lookup enriches a stream record with its reference row (see {@link lookup}). */
export type LookupOptions<TStream, TRef, TOut> = LookupKeys<TStream, TRef> &
  (
    | {
        /** `inner` (default) or `strict`: only matched records are combined. */
        readonly mode?: 'inner' | 'strict';
        readonly combine: (record: TStream, row: TRef) => TOut;
      }
    | {
        /** `left`: an unmatched record is combined with `undefined`. */
        readonly mode: 'left';
        readonly combine: (record: TStream, row: TRef | undefined) => TOut;
      }
  );

/** A lookup's settings as the runtime sees them (types erased). Inputs: stream, then reference. */
export interface LookupSpec {
  readonly key: (record: unknown) => JoinKey;
  readonly referenceKey: (row: unknown) => JoinKey;
  readonly combine: (record: unknown, row: unknown) => unknown;
  readonly mode: LookupMode;
}

const MODES: readonly string[] = ['inner', 'left', 'strict'];

/** The lookup kind: two distinct upstreams (stream, reference), one output. */
export const lookupKind: StageType<LookupSpec> = defineStageKind<LookupSpec>({
  name: 'lookup',
  ports: () => 1,
  validate: (node) => [...inputCount(node, 2, 2), ...distinctInputs(node)],
});

/**
 * Reference join: reads the finite `reference` input to its end first, storing one row per key
 * in the stage's keyed state (so a table larger than memory fits), then enriches each `stream`
 * record with the row of its key. A key seen twice in the reference keeps its last row: the
 * reference is a table by primary key (group rows upstream to look up several per key). Rows,
 * outputs and cursors commit together, so a crash neither loses nor doubles an output. Throws
 * FlowDefinitionError naming the stage when both inputs are the same upstream.
 */
export function lookup<TStream, TRef, TOut>(
  name: string,
  stream: StageRef<TStream>,
  reference: StageRef<TRef>,
  options: LookupOptions<TStream, TRef, TOut>,
  stageOptions: StageOptions = {},
): StageRef<TOut> {
  const mode = options.mode ?? 'inner';
  if (typeof options.key !== 'function' || typeof options.referenceKey !== 'function' || typeof options.combine !== 'function') {
    throw new FlowDefinitionError(`lookup "${name}" needs key, referenceKey and combine functions`, name);
  }
  if (!MODES.includes(mode)) {
    throw new FlowDefinitionError(`lookup "${name}": mode must be inner, left or strict, got ${JSON.stringify(mode)}`, name);
  }
  const spec: LookupSpec = {
    key: options.key as (record: unknown) => JoinKey,
    referenceKey: options.referenceKey as (row: unknown) => JoinKey,
    combine: options.combine as (record: unknown, row: unknown) => unknown,
    mode,
  };
  const node = stageNode(lookupKind, { name, inputs: [stream.edge, reference.edge], spec, options: stageOptions });
  const [problem] = lookupKind.validate?.(node) ?? [];
  if (problem !== undefined) throw problem;
  return stageRef<TOut>(node);
}
