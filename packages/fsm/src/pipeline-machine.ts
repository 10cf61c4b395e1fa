import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { stageMachine, type StageEvent, type StageReport } from './stage-machine.ts';

/**
 * Lifecycle states of a pipeline:
 * - `created`: built, waiting for START.
 * - `materializing`: opening the store, recovering the previous run.
 * - `starting`: stage actors spawned and initializing; running once all are ready.
 * - `running`: stages run.
 * - `paused`: every stage paused.
 * - `draining`: sources are done or a graceful stop was requested; the rest finish.
 * - `completed`: every stage drained after its sources ended; terminal.
 * - `stopped`: stopped on request (gracefully drained or cancelled); terminal.
 * - `failed`: a stage or the store failed; terminal.
 *
 * Terminal states carry the `terminal` tag and accept no event.
 */
export type PipelineState =
  | 'created'
  | 'materializing'
  | 'starting'
  | 'running'
  | 'paused'
  | 'draining'
  | 'completed'
  | 'stopped'
  | 'failed';

/** How a stop proceeds: `graceful` drains what is journaled, `cancel` stops now. */
export type StopMode = 'graceful' | 'cancel';

/** Events a pipeline accepts: control from users, and reports from its stages. */
export type PipelineEvent =
  | { readonly type: 'START' }
  | { readonly type: 'PAUSE' }
  | { readonly type: 'RESUME' }
  | { readonly type: 'STOP'; readonly mode: StopMode }
  | StageReport;

/** Input of a pipeline actor. */
export interface PipelineInput {
  readonly flow: string;
  /** Stage names, upstreams first. */
  readonly stages: readonly string[];
  readonly sources: readonly string[];
}

/** Pipeline context: the stages and where each of them is. */
export interface PipelineContext extends PipelineInput {
  readonly ready: readonly string[];
  readonly drained: readonly string[];
  readonly stopped: readonly string[];
  readonly stopMode: StopMode | undefined;
  readonly failure: PipelineFailure | undefined;
}

/** Why a pipeline failed: the stage (`(pipeline)` for the run itself) and the reason. */
export interface PipelineFailure {
  readonly stage: string;
  readonly error: string;
  /** What was thrown, when the pipeline itself failed (materializing): a refusal keeps its class. */
  readonly cause?: unknown;
}

const add = (list: readonly string[], item: string): readonly string[] =>
  list.includes(item) ? list : [...list, item];

const to = (event: StageEvent): { type: 'broadcast'; params: StageEvent } => ({
  type: 'broadcast',
  params: event,
});

/**
 * Stops the stages, on the transitions that leave a live state for `stopped` or `failed` (not on
 * entering those: from `created` or `materializing` no stage exists to be sent to).
 */
const stopStages = to({ type: 'STOP' });

/** Stage reports are recorded only while stages live: not before they are spawned, nor after the end. */
const stageReports = {
  STAGE_DRAINED: { actions: 'markDrained' },
  STAGE_STOPPED: { actions: 'markStopped' },
} as const;

/**
 * The pipeline lifecycle machine. It spawns one stage actor per stage (ids are stage
 * names), drives them through their lifecycle and applies the supervision policy: a failed
 * stage fails the flow and stops the others. The runtime provides `materialize` and the
 * `stage` logic (the stage machine with its I/O actors bound).
 */
export const pipelineMachine = setup({
  types: {
    context: {} as PipelineContext,
    events: {} as PipelineEvent,
    input: {} as PipelineInput,
  },
  actors: {
    materialize: fromPromise<void, PipelineInput>(() => Promise.resolve()),
    stage: stageMachine,
  },
  guards: {
    allReady: ({ context }) => context.ready.length === context.stages.length,
    sourcesDone: ({ context }) => context.sources.every((s) => context.drained.includes(s)),
    completedNaturally: ({ context }) =>
      context.stopMode === undefined && context.drained.length === context.stages.length,
    allSettled: ({ context }) =>
      context.stages.every((s) => context.drained.includes(s) || context.stopped.includes(s)),
    gracefulStop: ({ event }) => event.type === 'STOP' && event.mode === 'graceful',
  },
  actions: {
    spawnStages: enqueueActions(({ context, enqueue }) => {
      for (const stage of context.stages) {
        enqueue.spawnChild('stage', { id: stage, systemId: `stage:${stage}`, input: { stage } });
      }
    }),
    /** Sends an event to every stage that has not finished. */
    broadcast: enqueueActions(({ context, enqueue }, event: StageEvent) => {
      for (const stage of context.stages) {
        // A failed stage keeps its `failed` state so that health and metrics can show it.
        const finished = context.drained.includes(stage) || context.stopped.includes(stage);
        if (!finished && context.failure?.stage !== stage) {
          enqueue.sendTo(stage, event);
        }
      }
    }),
    markReady: assign({
      ready: ({ context, event }) => (event.type === 'STAGE_READY' ? add(context.ready, event.stage) : context.ready),
    }),
    markDrained: assign({
      drained: ({ context, event }) =>
        event.type === 'STAGE_DRAINED' ? add(context.drained, event.stage) : context.drained,
    }),
    markStopped: assign({
      stopped: ({ context, event }) =>
        event.type === 'STAGE_STOPPED' ? add(context.stopped, event.stage) : context.stopped,
    }),
    markFailed: assign({
      failure: ({ context, event }) =>
        event.type === 'STAGE_FAILED' ? { stage: event.stage, error: event.error } : context.failure,
    }),
  },
}).createMachine({
  id: 'pipeline',
  context: ({ input }) => ({
    ...input,
    ready: [],
    drained: [],
    stopped: [],
    stopMode: undefined,
    failure: undefined,
  }),
  initial: 'created',
  states: {
    created: {
      on: { START: 'materializing', STOP: { target: 'stopped', actions: assign({ stopMode: 'cancel' }) } },
    },
    materializing: {
      invoke: {
        src: 'materialize',
        input: ({ context }) => ({ flow: context.flow, stages: context.stages, sources: context.sources }),
        onDone: 'starting',
        onError: {
          target: 'failed',
          actions: assign({
            failure: ({ event }) => ({
              stage: '(pipeline)',
              error: event.error instanceof Error ? event.error.message : String(event.error),
              cause: event.error,
            }),
          }),
        },
      },
      on: { STOP: { target: 'stopped', actions: assign({ stopMode: 'cancel' }) } },
    },
    starting: {
      entry: ['spawnStages', to({ type: 'INIT' })],
      always: { guard: 'allReady', target: 'running', actions: to({ type: 'START' }) },
      on: {
        ...stageReports,
        STAGE_READY: { actions: 'markReady' },
        STAGE_FAILED: { target: 'failed', actions: ['markFailed', stopStages] },
        STOP: { target: 'stopped', actions: [assign({ stopMode: 'cancel' }), stopStages] },
      },
    },
    running: {
      always: { guard: 'sourcesDone', target: 'draining' },
      on: {
        ...stageReports,
        PAUSE: { target: 'paused', actions: to({ type: 'PAUSE' }) },
        STOP: [
          { guard: 'gracefulStop', target: 'draining', actions: [assign({ stopMode: 'graceful' }), to({ type: 'DRAIN' })] },
          { target: 'stopped', actions: [assign({ stopMode: 'cancel' }), stopStages] },
        ],
        STAGE_FAILED: { target: 'failed', actions: ['markFailed', stopStages] },
      },
    },
    paused: {
      on: {
        ...stageReports,
        RESUME: { target: 'running', actions: to({ type: 'RESUME' }) },
        STOP: [
          { guard: 'gracefulStop', target: 'draining', actions: [assign({ stopMode: 'graceful' }), to({ type: 'DRAIN' })] },
          { target: 'stopped', actions: [assign({ stopMode: 'cancel' }), stopStages] },
        ],
        STAGE_FAILED: { target: 'failed', actions: ['markFailed', stopStages] },
      },
    },
    draining: {
      always: [
        { guard: 'completedNaturally', target: 'completed' },
        { guard: 'allSettled', target: 'stopped' },
      ],
      on: {
        ...stageReports,
        STOP: [
          { guard: 'gracefulStop', actions: [assign({ stopMode: 'graceful' }), to({ type: 'DRAIN' })] },
          { target: 'stopped', actions: [assign({ stopMode: 'cancel' }), stopStages] },
        ],
        STAGE_FAILED: { target: 'failed', actions: ['markFailed', stopStages] },
      },
    },
    // Terminal, but not `final`: children stay addressable so that late stage reports are
    // not sent to a stopped actor; the runtime stops the actor once it has cleaned up.
    completed: { tags: ['terminal'] },
    stopped: { tags: ['terminal'] },
    failed: { tags: ['terminal'] },
  },
});
