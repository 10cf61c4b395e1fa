/**
 * @sluice/runtime — runs a flow: the stage loop, EOF and drain, supervision, recovery, the
 * activity log and liveness.
 *
 * ```ts
 * import { createMemoryJournalStore } from '@sluice/core';
 * import { run } from '@sluice/runtime';
 * const summary = await run(myFlow, { store: createMemoryJournalStore() });
 * ```
 */
export { run } from './run.ts';
export type { PipelineHandle } from './pipeline-handle.ts';
export type { RunOptions, RunSummary, StageSummary } from './options.ts';
export type { DelayStatus, EdgeStatus, FlowStatus, StageStatus } from './status.ts';
export { delayStatus } from './kinds/delay.ts';
export { definitionChange, type DefinitionChange, type StoredDefinition } from './recovery.ts';
export { SYSTEM_JOURNAL, type ActivityEntry, type ActivityRecord, type ActivityType } from './activity.ts';
export { isDeliveryReceipt, receiptOf, type DeliveryReceipt, type Receipt } from './receipts.ts';
export { checkEdges, type CheckedTopology, type EdgeCheckResult, type EdgeReport } from './receipts-check.ts';
export { EDGES_CHECKED } from './receipts-at-end.ts';
export { traceRecord, type Trace, type TraceOptions, type TraceOrigin, type TracedRecord, type TraceStep } from './receipts-trace.ts';
export type { Search } from './receipts-search.ts';
export {
  inputLag,
  inspectDataDir,
  lastActivity,
  toActivity,
  type DataDirInspection,
  type InputLag,
  type RunStartedRecord,
  type ShutdownRecord,
  type StageInspection,
} from './inspect-data-dir.ts';
export {
  registerStageProcessor,
  registerStageRunner,
  type KindRunner,
  type ProcessorFactory,
  type RunnerFactory,
} from './kinds/registry.ts';
export type { Processor } from './processor.ts';
export type { BatchOutput } from './batch-output.ts';
export { intermediateJournal, type IntermediateEntry, type Intermediates } from './kinds/intermediates.ts';
export type { StepTools } from './effects/step-tools.ts';
export { StageRunner, type Prepared, type RunnerDeps } from './stage-runner.ts';
export { TokenBucket, type RateLimitSettings } from './protection/token-bucket.ts';
export { StageGuard, type GuardPermit } from './protection/stage-guard.ts';
export type { CircuitStatus } from './protection/circuit-breaker.ts';
export { replay } from './replay/replay.ts';
export type { ReplayDifference, ReplayOptions, ReplayReport } from './replay/replay-report.ts';
export { REPLAY_UNRECORDED, ReplayUnrecordedError, type ReplayMode } from './replay/replay-mode.ts';
export type { ReadLog } from './read-log.ts';
