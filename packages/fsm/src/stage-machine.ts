import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';

/**
 * Lifecycle states of a stage:
 * - `created`: built, nothing opened.
 * - `initializing`: loading cursors, state and opening the handler.
 * - `ready`: initialized, waiting for START.
 * - `running`: the stage loop reads, handles and commits batches.
 * - `paused`: the loop is stopped after its in-flight batch; cursors are durable.
 * - `draining`: finishing: after its inputs ended (EOF) or a graceful stop was requested.
 * - `drained`: finished cleanly; final.
 * - `failed`: an error the stage cannot put in its error lane (store failure); RESTART retries.
 * - `stopped`: cancelled; whatever was committed stays; final.
 */
export type StageState =
  | 'created'
  | 'initializing'
  | 'ready'
  | 'running'
  | 'paused'
  | 'draining'
  | 'drained'
  | 'failed'
  | 'stopped';

/** Events a stage machine accepts; the loop sends the batch and end events. */
export type StageEvent =
  | { readonly type: 'INIT' }
  | { readonly type: 'START' }
  | { readonly type: 'PAUSE' }
  | { readonly type: 'RESUME' }
  | { readonly type: 'DRAIN' }
  | { readonly type: 'STOP' }
  | { readonly type: 'RESTART' }
  | {
      readonly type: 'BATCH';
      readonly in: number;
      readonly out: number;
      readonly errors: number;
    }
  | { readonly type: 'INPUT_ENDED' }
  | { readonly type: 'FAIL'; readonly error: string };

/** What a stage reports to its parent pipeline. */
export type StageReport =
  | { readonly type: 'STAGE_READY'; readonly stage: string }
  | { readonly type: 'STAGE_DRAINED'; readonly stage: string }
  | { readonly type: 'STAGE_STOPPED'; readonly stage: string }
  | { readonly type: 'STAGE_FAILED'; readonly stage: string; readonly error: string };

/** Stage machine context: who it is and batch-level counters. */
export interface StageContext {
  readonly stage: string;
  readonly batches: number;
  readonly in: number;
  readonly out: number;
  readonly errors: number;
  /** Why the stage is draining: its inputs ended, or a graceful stop. */
  readonly drainReason: 'eof' | 'stop' | undefined;
  readonly error: string | undefined;
  readonly restarts: number;
}

/** Input of a stage actor. */
export interface StageInput {
  readonly stage: string;
}

/** Input of the injected `process` and `drain` actors. */
export interface StageActorInput {
  readonly stage: string;
  readonly reason?: 'eof' | 'stop';
}

/**
 * Batches count in every state that is not final: a finished stage's counters are final, also
 * for pure `transition` calls (XState applies root-level handlers even to a done snapshot).
 */
const countBatches = { BATCH: { actions: 'countBatch' } } as const;

/**
 * The stage lifecycle machine. Pure: the runtime provides `initialize` (open and recover),
 * `process` (the stage loop, which sends BATCH, INPUT_ENDED or FAIL back) and `drain`.
 * It sees batches and lifecycle, never single records.
 */
export const stageMachine = setup({
  types: {
    context: {} as StageContext,
    events: {} as StageEvent,
    input: {} as StageInput,
  },
  actors: {
    initialize: fromPromise<void, StageActorInput>(() => Promise.resolve()),
    process: fromCallback<StageEvent, StageActorInput>(() => undefined),
    drain: fromPromise<void, StageActorInput>(() => Promise.resolve()),
  },
  actions: {
    report: enqueueActions(
      ({ enqueue, self, context }, params: { status: 'ready' | 'drained' | 'stopped' | 'failed' }) => {
        if (self._parent === undefined) return;
        const stage = context.stage;
        const report: StageReport =
          params.status === 'ready'
            ? { type: 'STAGE_READY', stage }
            : params.status === 'drained'
              ? { type: 'STAGE_DRAINED', stage }
              : params.status === 'stopped'
                ? { type: 'STAGE_STOPPED', stage }
                : { type: 'STAGE_FAILED', stage, error: context.error ?? 'unknown error' };
        enqueue.sendParent(report);
      },
    ),
    countBatch: assign(({ context, event }) =>
      event.type === 'BATCH'
        ? {
            batches: context.batches + 1,
            in: context.in + event.in,
            out: context.out + event.out,
            errors: context.errors + event.errors,
          }
        : {},
    ),
  },
}).createMachine({
  id: 'stage',
  context: ({ input }) => ({
    stage: input.stage,
    batches: 0,
    in: 0,
    out: 0,
    errors: 0,
    drainReason: undefined,
    error: undefined,
    restarts: 0,
  }),
  initial: 'created',
  states: {
    created: {
      on: { ...countBatches, INIT: 'initializing', STOP: 'stopped' },
    },
    initializing: {
      invoke: {
        src: 'initialize',
        input: ({ context }) => ({ stage: context.stage }),
        onDone: 'ready',
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => describe(event.error) }),
        },
      },
      on: { ...countBatches, STOP: 'stopped' },
    },
    ready: {
      entry: { type: 'report', params: { status: 'ready' } },
      on: { ...countBatches, START: 'running', DRAIN: { target: 'draining', actions: assign({ drainReason: 'stop' }) }, STOP: 'stopped' },
    },
    running: {
      invoke: { src: 'process', input: ({ context }) => ({ stage: context.stage }) },
      on: {
        ...countBatches,
        PAUSE: 'paused',
        DRAIN: { target: 'draining', actions: assign({ drainReason: 'stop' }) },
        INPUT_ENDED: { target: 'draining', actions: assign({ drainReason: 'eof' }) },
        FAIL: { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
        STOP: 'stopped',
      },
    },
    paused: {
      on: {
        ...countBatches,
        RESUME: 'running',
        DRAIN: { target: 'draining', actions: assign({ drainReason: 'stop' }) },
        STOP: 'stopped',
      },
    },
    draining: {
      invoke: {
        src: 'drain',
        input: ({ context }) => ({ stage: context.stage, reason: context.drainReason ?? 'stop' }),
        onDone: 'drained',
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => describe(event.error) }),
        },
      },
      on: {
        ...countBatches,
        FAIL: { target: 'failed', actions: assign({ error: ({ event }) => event.error }) },
        STOP: 'stopped',
      },
    },
    drained: {
      type: 'final',
      entry: { type: 'report', params: { status: 'drained' } },
    },
    failed: {
      entry: { type: 'report', params: { status: 'failed' } },
      on: {
        ...countBatches,
        RESTART: {
          target: 'initializing',
          actions: assign({ restarts: ({ context }) => context.restarts + 1, error: undefined }),
        },
        STOP: 'stopped',
      },
    },
    stopped: {
      type: 'final',
      entry: { type: 'report', params: { status: 'stopped' } },
    },
  },
});

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
