import type { Observable } from 'rxjs';
import type { Flow } from '@sluice/core';
import type {
  MachineHandle,
  PipelineEvent,
  PipelineSnapshot,
  StageEvent,
  StageSnapshot,
  StopMode,
} from '@sluice/fsm';
import type { ActivityRecord } from './activity.ts';
import type { RunSummary } from './options.ts';
import type { FlowStatus } from './status.ts';

/**
 * A running flow. Awaiting it (it is PromiseLike) waits for the run to end: it resolves
 * with the summary when the flow completed or was stopped, and rejects with the failure
 * when it failed. Control calls take an optional `source` ("api", "http", "SIGTERM"…) that
 * the activity log records.
 */
export interface PipelineHandle
  extends MachineHandle<PipelineSnapshot, PipelineEvent>,
    PromiseLike<RunSummary> {
  readonly runId: string;
  readonly flow: Flow;
  /** The handle of a stage's machine; undefined before the stages are spawned. */
  stage(name: string): MachineHandle<StageSnapshot, StageEvent> | undefined;
  /** Pauses every stage after its in-flight batch. */
  pause(source?: string): void;
  resume(source?: string): void;
  /** Stops the flow: `graceful` (default) drains what is journaled, `cancel` stops now. */
  stop(mode?: StopMode, source?: string): Promise<RunSummary>;
  /** Topology, each stage's state, counts, lag and stalls, now. */
  status(): Promise<FlowStatus>;
  /** Activity-log records as they become durable; completes when the run ends. */
  readonly activity$: Observable<ActivityRecord>;
  /** Up to `limit` activity-log records with seq > `afterSeq`, earlier runs' included; while the run is open. */
  activityAfter(afterSeq: number, limit?: number): Promise<readonly ActivityRecord[]>;
  /** Settles when the run ends, like awaiting the handle. */
  readonly done: Promise<RunSummary>;
}
