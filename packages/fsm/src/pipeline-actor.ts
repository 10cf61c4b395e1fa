import { createActor, fromCallback, fromPromise, type Actor, type InspectionEvent } from 'xstate';
import type { Clock } from '@sluice/core';
import { pipelineMachine, type PipelineInput } from './pipeline-machine.ts';
import { stageMachine, type StageActorInput, type StageEvent } from './stage-machine.ts';

/** The I/O a runtime binds into every stage machine. */
export interface StageIo {
  /** Loads cursors and state and opens the handler. */
  initialize(stage: string): Promise<void>;
  /** Starts the stage loop; `report` feeds BATCH, INPUT_ENDED and FAIL back; returns a stop function. */
  process(stage: string, report: (event: StageEvent) => void): () => void;
  /** Finishes the stage after EOF or on a graceful stop. */
  drain(stage: string, reason: 'eof' | 'stop'): Promise<void>;
}

/** Receives XState inspection events of the pipeline and every stage actor. */
export type InspectionObserver = (event: InspectionEvent) => void;

/** Options of {@link createPipelineActor}. */
export interface PipelineActorOptions {
  readonly input: PipelineInput;
  readonly io: StageIo;
  /** Opens the store and recovers the previous run, before any stage starts. */
  readonly materialize: () => Promise<void>;
  readonly inspect?: InspectionObserver;
  /** The clock of every delay in the machines (restart backoff); the system clock by default. */
  readonly clock?: Clock;
}

/** A pipeline actor (not started). */
export type PipelineActor = Actor<typeof pipelineMachine>;

/** Binds the runtime's I/O into the machines and creates the pipeline actor, not yet started. */
export function createPipelineActor(options: PipelineActorOptions): PipelineActor {
  const { io } = options;
  const stage = stageMachine.provide({
    actors: {
      initialize: fromPromise<void, StageActorInput>(({ input }) => io.initialize(input.stage)),
      process: fromCallback<StageEvent, StageActorInput>(({ input, sendBack }) =>
        io.process(input.stage, sendBack),
      ),
      drain: fromPromise<void, StageActorInput>(({ input }) => io.drain(input.stage, input.reason ?? 'stop')),
    },
  });
  const logic = pipelineMachine.provide({
    actors: { stage, materialize: fromPromise<void, PipelineInput>(() => options.materialize()) },
  });
  return createActor(logic, {
    input: options.input,
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}
