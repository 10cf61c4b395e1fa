import type { PipelineState, StageState } from '@sluice/fsm';

/** Every state of a stage machine, in lifecycle order: the label values of `stage_state`. */
export const STAGE_STATES = [
  'created',
  'initializing',
  'ready',
  'running',
  'paused',
  'draining',
  'drained',
  'restarting',
  'failed',
  'stopped',
] as const satisfies readonly StageState[];

/** Every state of a pipeline machine, in lifecycle order: the label values of `flow_state`. */
export const PIPELINE_STATES = [
  'created',
  'materializing',
  'starting',
  'running',
  'paused',
  'draining',
  'completed',
  'stopped',
  'failed',
] as const satisfies readonly PipelineState[];

/** Pipeline states after which the run is over. */
export const TERMINAL_PIPELINE_STATES: ReadonlySet<string> = new Set<PipelineState>([
  'completed',
  'stopped',
  'failed',
]);

// Compile-time checks that the lists above name every state of the machines.
type Assert<T extends true> = T;
type Exhaustive<TAll, TListed> = [Exclude<TAll, TListed>] extends [never] ? true : false;
type _StageStatesListed = Assert<Exhaustive<StageState, (typeof STAGE_STATES)[number]>>;
type _PipelineStatesListed = Assert<Exhaustive<PipelineState, (typeof PIPELINE_STATES)[number]>>;
