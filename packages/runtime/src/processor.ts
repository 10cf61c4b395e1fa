import { FlowDefinitionError, type JournalRecord, type StageNode } from '@sluice/core';
import type { BatchOutput } from './batch-output.ts';
import type { StepTools } from './effects/step-tools.ts';
import { kindRunner } from './kinds/registry.ts';

/** Handles the input records of a stage driven by the process runner (transform, route, stateful, join…). */
export interface Processor {
  /**
   * Handles one data record from input number `inputIndex` (in DSL order); a throw is caught
   * by the caller and sent to the error lane. `steps` commits records before the batch (see
   * {@link StepTools}) and gives a handler its context with durable effects; a kind that calls
   * out uses it, the others ignore it.
   */
  handle(
    input: JournalRecord,
    upstream: string,
    out: BatchOutput,
    inputIndex: number,
    steps: StepTools,
  ): Promise<void> | void;
  /**
   * Called once when the stage starts (and after each restart), before the first record: a
   * kind that recovers what a crashed run left behind (a command's orphaned processes) does it here.
   */
  start?(steps: StepTools): Promise<void>;
  /** Emits what the stage owes when all its inputs have ended. */
  end(out: BatchOutput): void;
  /** The state to commit with this batch; undefined when the stage keeps none. */
  state(): unknown;
  /** Drops changes of a failed record (a stateful step that threw). */
  rollback(): void;
  /** True for a stateful stage: its state may be mutated in place by the next batch. */
  readonly keepsState: boolean;
}

/** True for a promise: a handler's result that must be awaited. */
export const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/** A processor that keeps no state: only `handle` does anything. */
export const stateless = (handle: Processor['handle']): Processor => ({
  handle,
  end: () => undefined,
  state: () => undefined,
  rollback: () => undefined,
  keepsState: false,
});

/**
 * Builds the processor of a stage from its node and saved state, by the processor its kind
 * registered; throws FlowDefinitionError naming the stage for a kind that registered none.
 */
export function createProcessor(node: StageNode, saved: unknown): Processor {
  const entry = kindRunner(node);
  if (!('processor' in entry)) {
    throw new FlowDefinitionError(`stage "${node.name}" is of kind "${node.kind}", which has no processor`, node.name);
  }
  return entry.processor(node, saved);
}
