import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { toFailure, type Failure, type RestartPolicy } from '@sluice/core';
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
 * A stage that failed for good under an `isolate` policy is isolated instead of failing the
 * flow: its downstream waits, the rest goes on (`context.isolated`).
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
  /** Supervision per stage name; a stage not named gets the defaults. */
  readonly restart?: Readonly<Record<string, RestartPolicy>>;
}

/** Pipeline context: the stages and where each of them is. */
export interface PipelineContext extends PipelineInput {
  readonly ready: readonly string[];
  readonly drained: readonly string[];
  readonly stopped: readonly string[];
  /** Stages that failed for good under an `isolate` policy; the rest of the flow goes on. */
  readonly isolated: readonly string[];
  /** How the stop that ended (or is ending) the run was asked for. */
  readonly stopMode: StopMode | undefined;
  readonly failure: PipelineFailure | undefined;
}

/** Why a pipeline failed: the stage (`(pipeline)` for the run itself) and its failure. */
export interface PipelineFailure {
  readonly stage: string;
  readonly error: Failure;
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

/** A stage that failed for good: isolated when its policy says so, else the flow fails. */
const stageFailed = [
  { guard: 'isolates', actions: 'markIsolated' },
  { target: 'failed', actions: ['markFailed', stopStages] },
] as const;

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
      context.stages.every((s) => context.drained.includes(s) || context.stopped.includes(s) || context.isolated.includes(s)),
    isolates: ({ context, event }) =>
      event.type === 'STAGE_FAILED' && context.restart?.[event.stage]?.onExhausted === 'isolate',
    gracefulStop: ({ event }) => event.type === 'STOP' && event.mode === 'graceful',
  },
  actions: {
    spawnStages: enqueueActions(({ context, enqueue }) => {
      for (const stage of context.stages) {
        const restart = context.restart?.[stage];
        enqueue.spawnChild('stage', { id: stage, systemId: `stage:${stage}`, input: { stage, ...(restart === undefined ? {} : { restart }) } });
      }
    }),
    /** Sends an event to every stage that has not finished. */
    broadcast: enqueueActions(({ context, enqueue }, event: StageEvent) => {
      for (const stage of context.stages) {
        // A failed stage keeps its `failed` state so that health and metrics can show it.
        const finished = context.drained.includes(stage) || context.stopped.includes(stage);
        if (!finished && context.failure?.stage !== stage && !context.isolated.includes(stage)) {
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
    markIsolated: assign({
      isolated: ({ context, event }) => (event.type === 'STAGE_FAILED' ? add(context.isolated, event.stage) : context.isolated),
    }),
    /** Before any stage ran, a stop of either mode leaves nothing undrained. */
    recordStopMode: assign({ stopMode: ({ event }) => (event.type === 'STOP' ? event.mode : 'cancel') }),
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
    isolated: [],
    stopMode: undefined,
    failure: undefined,
  }),
  initial: 'created',
  states: {
    created: {
      on: { START: 'materializing', STOP: { target: 'stopped', actions: 'recordStopMode' } },
    },
    materializing: {
      invoke: {
        src: 'materialize',
        input: ({ context }) => ({ flow: context.flow, stages: context.stages, sources: context.sources }),
        onDone: 'starting',
        onError: {
          target: 'failed',
          actions: assign({
            failure: ({ event }) => ({ stage: '(pipeline)', error: toFailure(event.error) }),
          }),
        },
      },
      on: { STOP: { target: 'stopped', actions: 'recordStopMode' } },
    },
    starting: {
      entry: ['spawnStages', to({ type: 'INIT' })],
      always: { guard: 'allReady', target: 'running', actions: to({ type: 'START' }) },
      on: {
        ...stageReports,
        STAGE_READY: { actions: 'markReady' },
        STAGE_FAILED: stageFailed,
        // No stage has run yet: nothing to drain, so a stop is what was asked for.
        STOP: { target: 'stopped', actions: ['recordStopMode', stopStages] },
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
        STAGE_FAILED: stageFailed,
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
        STAGE_FAILED: stageFailed,
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
        STAGE_FAILED: stageFailed,
      },
    },
    // Terminal, but not `final`: children stay addressable so that late stage reports are
    // not sent to a stopped actor; the runtime stops the actor once it has cleaned up.
    completed: { tags: ['terminal'] },
    stopped: { tags: ['terminal'] },
    failed: { tags: ['terminal'] },
  },
});
