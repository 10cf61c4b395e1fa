import type { Actor, SnapshotFrom } from 'xstate';
import type { pipelineMachine } from './pipeline-machine.ts';
import type { stageMachine } from './stage-machine.ts';

/** A snapshot of a stage machine. */
export type StageSnapshot = SnapshotFrom<typeof stageMachine>;
/** A snapshot of a pipeline machine. */
export type PipelineSnapshot = SnapshotFrom<typeof pipelineMachine>;

/** A running stage actor, as the pipeline spawns it. */
export type StageActor = Actor<typeof stageMachine>;
