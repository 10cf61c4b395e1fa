import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import { DEFAULT_RESTART_POLICY, toFailure, type Failure, type RestartPolicy } from '@sluice/core';

/**
 * Lifecycle states of a stage:
 * - `created`: built, nothing opened.
 * - `initializing`: loading cursors, state and opening the handler.
 * - `ready`: initialized, waiting for START.
 * - `running`: the stage loop reads, handles and commits batches.
 * - `paused`: the loop is stopped after its in-flight batch; cursors are durable.
 * - `draining`: finishing: after its inputs ended (EOF) or a graceful stop was requested.
 * - `drained`: finished cleanly; final.
 * - `restarting`: the loop failed with an error a restart may fix; after the policy's backoff
 *   the stage initializes again from its committed cursors and goes back to what it was doing.
 * - `failed`: failed for good (a TerminalError, or restarts used up); the pipeline's policy
 *   fails the flow or isolates the stage. RESTART retries by hand.
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
  | 'restarting'
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
  /** The loop waits for its consumers (`waiting: true`: it is `maxLead` ahead) or goes on. */
  | { readonly type: 'BACKPRESSURE'; readonly waiting: boolean }
  | { readonly type: 'FAIL'; readonly error: Failure };

/** What a stage reports to its parent pipeline. */
export type StageReport =
  | { readonly type: 'STAGE_READY'; readonly stage: string }
  | { readonly type: 'STAGE_DRAINED'; readonly stage: string }
  | { readonly type: 'STAGE_STOPPED'; readonly stage: string }
  | { readonly type: 'STAGE_FAILED'; readonly stage: string; readonly error: Failure };

/** Stage machine context: who it is, batch-level counters and supervision. */
export interface StageMachineContext {
  readonly stage: string;
  readonly batches: number;
  readonly in: number;
  readonly out: number;
  readonly errors: number;
  /** Why the stage is draining: its inputs ended, or a graceful stop. */
  readonly drainReason: 'eof' | 'stop' | undefined;
  /** The last failure: why it is restarting or failed. */
  readonly error: Failure | undefined;
  /** Restarts of this stage in this run (not earlier runs on the data directory). */
  readonly restarts: number;
  readonly policy: Required<RestartPolicy>;
  /** Where a restarted stage goes once initialized (`ready` when it never ran). */
  readonly resume: 'ready' | 'running' | 'paused' | 'draining';
  /**
   * True while the running loop waits for its slowest consumer (backpressure). Kept in context
   * rather than as a sub-state of `running`, so that a stage's state stays one string.
   */
  readonly backpressured: boolean;
}

/** Input of a stage actor. */
export interface StageInput {
  readonly stage: string;
  /** Its supervision; {@link DEFAULT_RESTART_POLICY} fills what is left out. */
  readonly restart?: RestartPolicy;
}

/**
 * How long a stage waits before its next restart: a RetryableError's own `retryAfterMs`,
 * else the policy's backoff doubled per restart already made, at most `maxBackoffMs`.
 */
export function restartDelay(context: Pick<StageMachineContext, 'error' | 'restarts' | 'policy'>): number {
  const { error, restarts, policy } = context;
  if (error?.retry === 'after' && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** restarts);
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
    context: {} as StageMachineContext,
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
                : { type: 'STAGE_FAILED', stage, error: context.error ?? toFailure(new Error('unknown error'), { stage }) };
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
    recordFailure: assign({ error: ({ context, event }) => describeFailure(errorOf(event), context.stage) }),
    resumeAs: assign((_, params: { as: StageMachineContext['resume'] }) => ({ resume: params.as })),
  },
  guards: {
    /** Policy reads the failure's class: a terminal one never restarts. */
    mayRestart: ({ context, event }) =>
      describeFailure(errorOf(event), context.stage).retry !== 'never' && context.restarts < context.policy.maxRestarts,
    resumes: ({ context }, params: { as: StageMachineContext['resume'] }) => context.resume === params.as,
  },
  delays: {
    restartDelay: ({ context }) => restartDelay(context),
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
    policy: { ...DEFAULT_RESTART_POLICY, ...input.restart },
    resume: 'ready',
    backpressured: false,
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
        onDone: [
          { guard: { type: 'resumes', params: { as: 'running' } }, target: 'running' },
          { guard: { type: 'resumes', params: { as: 'paused' } }, target: 'paused' },
          { guard: { type: 'resumes', params: { as: 'draining' } }, target: 'draining' },
          { target: 'ready' },
        ],
        onError: failOrRestart('ready'),
      },
      on: { ...countBatches, STOP: 'stopped' },
    },
    ready: {
      entry: { type: 'report', params: { status: 'ready' } },
      on: { ...countBatches, START: 'running', DRAIN: { target: 'draining', actions: assign({ drainReason: 'stop' }) }, STOP: 'stopped' },
    },
    running: {
      invoke: { src: 'process', input: ({ context }) => ({ stage: context.stage }) },
      exit: assign({ backpressured: false }),
      on: {
        ...countBatches,
        BACKPRESSURE: { actions: assign({ backpressured: ({ event }) => event.waiting }) },
        PAUSE: 'paused',
        DRAIN: { target: 'draining', actions: assign({ drainReason: 'stop' }) },
        INPUT_ENDED: { target: 'draining', actions: assign({ drainReason: 'eof' }) },
        FAIL: failOrRestart('running'),
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
        onError: failOrRestart('draining'),
      },
      on: {
        ...countBatches,
        FAIL: failOrRestart('draining'),
        STOP: 'stopped',
      },
    },
    drained: {
      type: 'final',
      entry: { type: 'report', params: { status: 'drained' } },
    },
    restarting: {
      after: {
        restartDelay: { target: 'initializing', actions: assign({ restarts: ({ context }) => context.restarts + 1 }) },
      },
      on: {
        ...countBatches,
        // Control that arrives meanwhile decides where the restarted stage goes.
        PAUSE: { actions: assign({ resume: ({ context }) => (context.resume === 'running' ? 'paused' : context.resume) }) },
        RESUME: { actions: assign({ resume: ({ context }) => (context.resume === 'paused' ? 'running' : context.resume) }) },
        DRAIN: { actions: assign({ resume: 'draining', drainReason: ({ context }) => context.drainReason ?? 'stop' }) },
        STOP: 'stopped',
      },
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

/**
 * The transitions of a failure in state `from`: to `restarting` when the policy allows (the
 * stage comes back to `from` once initialized again), else to `failed`.
 */
function failOrRestart(from: StageMachineContext['resume']) {
  return [
    { guard: 'mayRestart', target: 'restarting', actions: ['recordFailure', { type: 'resumeAs', params: { as: from } }] },
    { target: 'failed', actions: 'recordFailure' },
  ] as const;
}

/** The error of a FAIL event (a Failure already) or of an invoked actor's error event (what it threw). */
function errorOf(event: { readonly type: string }): unknown {
  return (event as { readonly error?: unknown }).error;
}

function describeFailure(error: unknown, stage: string): Failure {
  return isFailure(error) ? error : toFailure(error, { stage });
}

function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'retry' in value && 'code' in value && 'message' in value && !(value instanceof Error);
}
