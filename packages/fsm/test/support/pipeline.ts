import { createActor, fromPromise, type Actor, type ActorRefFrom } from 'xstate';
import { pipelineMachine, type stageMachine, type PipelineInput } from '../../src/index.ts';
import { createStageIo, type StageIo, type StageIoOptions } from './stage-io.ts';

/** A flow of three stages in a line; `read` is its only source. */
export const LINE: PipelineInput = { flow: 'orders', stages: ['read', 'parse', 'write'], sources: ['read'] };

/** Options of {@link createPipeline}: the flow, the fake stage I/O and a fake `materialize`. */
export interface PipelineOptions extends StageIoOptions {
  readonly input?: PipelineInput;
  readonly materialize?: (input: PipelineInput) => Promise<void>;
}

/** A pipeline actor (not started) whose stages are real stage machines on fake I/O. */
export interface PipelineHarness {
  readonly actor: Actor<typeof pipelineMachine>;
  readonly io: StageIo;
  readonly logic: typeof pipelineMachine;
  readonly materializeCalls: readonly PipelineInput[];
}

/** Builds a {@link PipelineHarness}; `materialize` resolves at once unless told otherwise. */
export function createPipeline(options: PipelineOptions = {}): PipelineHarness {
  const io = createStageIo(options);
  const materializeCalls: PipelineInput[] = [];
  const logic = pipelineMachine.provide({
    actors: {
      stage: io.logic,
      materialize: fromPromise<void, PipelineInput>(({ input }) => {
        materializeCalls.push(input);
        return options.materialize?.(input) ?? Promise.resolve();
      }),
    },
  });
  const actor = createActor(logic, { input: options.input ?? LINE });
  return { actor, io, logic, materializeCalls };
}

/** A stage actor spawned by the pipeline. */
export type StageRef = ActorRefFrom<typeof stageMachine>;

/** The stage actors the pipeline has spawned (ids are stage names), by stage name. */
export function stageActors(actor: Actor<typeof pipelineMachine>): ReadonlyMap<string, StageRef> {
  const { children, context } = actor.getSnapshot();
  const stages = new Map<string, StageRef>();
  for (const name of context.stages) {
    const child: unknown = children[name];
    if (isStageRef(child)) stages.set(name, child);
  }
  return stages;
}

/** The state of each spawned stage actor, by stage name. */
export function stageStates(actor: Actor<typeof pipelineMachine>): Record<string, unknown> {
  return Object.fromEntries([...stageActors(actor)].map(([name, ref]) => [name, ref.getSnapshot().value]));
}

function isStageRef(child: unknown): child is StageRef {
  return typeof child === 'object' && child !== null && 'getSnapshot' in child && 'send' in child;
}
