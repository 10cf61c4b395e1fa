import {
  recordIssue,
  SchemaValidationError,
  validateKind,
  type Lineage,
  type StageNode,
  type StandardSchemaResult,
  type ValidateSpec,
} from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { isPromise, stateless, type Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/**
 * Emits the schema's output value, or throws SchemaValidationError with the issues: the runner
 * sends a throw to the error lane (a terminal one without retries), and the lane keeps the issues.
 */
function settle(result: StandardSchemaResult<unknown>, out: BatchOutput, cause: Lineage, stage: string): void {
  if (result.issues !== undefined) {
    throw new SchemaValidationError(result.issues.map(recordIssue), { stage, seq: cause.seq });
  }
  out.emit(result.value, cause);
}

/** Validates each record against the stage's Standard Schema, sync or async. */
export function validateProcessor(node: StageNode<ValidateSpec>): Processor {
  // Called on its object: a library's validate may read `this`.
  const props = node.spec.schema['~standard'];
  return stateless((input, upstream, out) => {
    const cause = { stage: upstream, seq: input.seq };
    const result = props.validate(input.payload);
    if (isPromise(result)) return result.then((settled) => settle(settled, out, cause, node.name));
    settle(result, out, cause, node.name);
    return undefined;
  });
}

registerStageProcessor(validateKind, validateProcessor);
