/**
 * @sluice/fsm — the XState v5 lifecycle machines of Sluice and typed handles to them.
 * Machines are pure: the runtime binds I/O with `machine.provide`.
 *
 * ```ts
 * const actor = createActor(stageMachine.provide({ actors: { process } }), { input: { stage: 'parse' } });
 * const handle = createHandle(actor.start());
 * handle.send({ type: 'INIT' });
 * await handle.waitFor((s) => s.value === 'ready', 1000);
 * ```
 */
export {
  stageMachine,
  type StageActorInput,
  type StageMachineContext,
  restartDelay,
  type StageEvent,
  type StageInput,
  type StageReport,
  type StageState,
} from './stage-machine.ts';
export {
  pipelineMachine,
  type PipelineContext,
  type PipelineEvent,
  type PipelineFailure,
  type PipelineInput,
  type PipelineState,
  type StopMode,
} from './pipeline-machine.ts';
export {
  circuitAdmits,
  circuitBreakerMachine,
  circuitRetryAfterMs,
  createCircuitBreakerActor,
  type CircuitBreakerActor,
  type CircuitBreakerActorOptions,
  type CircuitBreakerContext,
  type CircuitBreakerEvent,
  type CircuitBreakerInput,
  type CircuitBreakerSnapshot,
  type CircuitState,
} from './circuit-breaker-machine.ts';
export { createHandle, type MachineHandle } from './handle.ts';
export type { PipelineSnapshot, StageActor, StageSnapshot } from './snapshots.ts';
export {
  createPipelineActor,
  type InspectionObserver,
  type PipelineActor,
  type PipelineActorOptions,
  type StageIo,
} from './pipeline-actor.ts';
export type { InspectionEvent } from 'xstate';
