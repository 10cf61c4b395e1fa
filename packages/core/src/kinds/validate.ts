import { FlowDefinitionError } from '../errors.ts';
import { isStandardSchema, type InferSchemaOutput, type StandardSchemaV1 } from '../schema.ts';
import type { StageOptions, StageType } from '../stage-node.ts';
import { ref as stageRef, type StageRef } from '../dsl.ts';
import { defineStageKind, inputCount, stageNode } from './define.ts';

/** A validate stage's settings as the runtime sees them. */
export interface ValidateSpec {
  readonly schema: StandardSchemaV1;
}

/** The validate kind: one upstream, one output. */
export const validateKind: StageType<ValidateSpec> = defineStageKind<ValidateSpec>({
  name: 'validate',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});

/**
 * Checks each record against a Standard Schema (zod, valibot, arktype… as they are) and emits
 * the schema's output value, so coercions and transforms apply and the output type is the
 * schema's. A record the schema rejects goes to this stage's error lane as MALFORMED_INPUT, with
 * the issues (`path: message`) in the message and, as data, in the error's `issues`. Async
 * schemas work. Throws FlowDefinitionError for a value that is not a Standard Schema v1.
 *
 * ```ts
 * const orders = validate('orders.valid', source('orders', lines), z.object({ id: z.string() }));
 * ```
 */
export function validate<TSchema extends StandardSchemaV1>(
  name: string,
  upstream: StageRef<unknown>,
  schema: TSchema,
  options: StageOptions = {},
): StageRef<InferSchemaOutput<TSchema>> {
  if (!isStandardSchema(schema)) {
    throw new FlowDefinitionError(`validate "${name}" needs a Standard Schema v1 (an object with a "~standard" property)`, name);
  }
  const node = stageNode(validateKind, { name, inputs: [upstream.edge], spec: { schema }, options });
  return stageRef<InferSchemaOutput<TSchema>>(node);
}
