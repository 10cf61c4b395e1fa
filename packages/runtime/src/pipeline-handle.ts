import type { Flow } from '@sluice/core';
import type {
  MachineHandle,
  PipelineEvent,
  PipelineSnapshot,
  StageEvent,
  StageSnapshot,
  StopMode,
} from '@sluice/fsm';
import type { RunSummary } from './options.ts';

/**
 * A running flow. Awaiting it (it is PromiseLike) waits for the run to end: it resolves
 * with the summary when the flow completed or was stopped, and rejects with the failure
 * when it failed.
 */
export interface PipelineHandle
  extends MachineHandle<PipelineSnapshot, PipelineEvent>,
    PromiseLike<RunSummary> {
  readonly runId: string;
  readonly flow: Flow;
  /** The handle of a stage's machine; undefined before the stages are spawned. */
  stage(name: string): MachineHandle<StageSnapshot, StageEvent> | undefined;
  /** Pauses every stage after its in-flight batch. */
  pause(): void;
  resume(): void;
  /** Stops the flow: `graceful` (default) drains what is journaled, `cancel` stops now. */
  stop(mode?: StopMode): Promise<RunSummary>;
  /** Settles when the run ends, like awaiting the handle. */
  readonly done: Promise<RunSummary>;
}
