import { assign, createActor, setup, type Actor, type SnapshotFrom } from 'xstate';
import type { Clock } from '@sluice/core';
import type { InspectionObserver } from './pipeline-actor.ts';

/**
 * States of a stage's circuit breaker:
 * - `closed`: calls go through; consecutive failures are counted.
 * - `open`: calls fail fast without being made, until `openMs` has passed on the clock.
 * - `half-open`: up to `halfOpenCalls` trial calls go through; that many successes close the
 *   breaker, one failure opens it again.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Events of a circuit breaker. `trial` says whether the call was let through as a trial of
 * `half-open`: in `half-open` only trials count, so a slow call started while closed cannot
 * close the breaker. `at` is the clock time of a failure, for how long a rejected call waits.
 */
export type CircuitBreakerEvent =
  | { readonly type: 'TRIAL_STARTED' }
  /** A trial call ended with neither verdict (cancelled, or the record was bad): its trial is free again. */
  | { readonly type: 'TRIAL_ABANDONED' }
  | { readonly type: 'CALL_SUCCEEDED'; readonly trial: boolean }
  | { readonly type: 'CALL_FAILED'; readonly at: number; readonly trial: boolean };

/** Settings of a circuit breaker (a stage's `circuitBreaker` option) and whose it is. */
export interface CircuitBreakerInput {
  readonly stage: string;
  /** Consecutive failed calls that open a closed breaker. */
  readonly failures: number;
  /** How long it stays open before it lets trial calls through. */
  readonly openMs: number;
  /** Trial calls of `half-open`, and the successes among them that close it (default 1). */
  readonly halfOpenCalls?: number;
}

/** Context of a circuit breaker: its settings and counters. */
export interface CircuitBreakerContext {
  readonly stage: string;
  readonly threshold: number;
  readonly openMs: number;
  readonly halfOpenCalls: number;
  /** Failed calls in a row while closed (those that opened it, while open or half-open). */
  readonly consecutiveFailures: number;
  /** Trial calls let through in this `half-open` spell. */
  readonly trials: number;
  /** Trial calls that succeeded in this `half-open` spell. */
  readonly successes: number;
  /** Clock time it last opened. */
  readonly openedAt: number | undefined;
  /** Times it opened. */
  readonly opened: number;
}

/**
 * A circuit breaker around a stage's calls (closed → open → half-open), counting consecutive
 * failures: a success while closed resets the count. Pure: the runtime asks its snapshot
 * ({@link circuitAdmits}) before each call and reports the call's result; the open time is a
 * delayed transition on the actor's clock. Results that arrive while open change nothing.
 */
export const circuitBreakerMachine = setup({
  types: {
    context: {} as CircuitBreakerContext,
    events: {} as CircuitBreakerEvent,
    input: {} as CircuitBreakerInput,
  },
  guards: {
    trips: ({ context }) => context.consecutiveFailures + 1 >= context.threshold,
    trialLeft: ({ context }) => context.trials < context.halfOpenCalls,
    isTrial: ({ event }) => (event.type === 'CALL_SUCCEEDED' || event.type === 'CALL_FAILED') && event.trial,
    closes: ({ context, event }) =>
      event.type === 'CALL_SUCCEEDED' && event.trial && context.successes + 1 >= context.halfOpenCalls,
  },
  actions: {
    countFailure: assign({ consecutiveFailures: ({ context }) => context.consecutiveFailures + 1 }),
    /** Records when it opened (the failure's clock time) and counts the opening. */
    opens: assign(({ context, event }) => ({
      openedAt: event.type === 'CALL_FAILED' ? event.at : context.openedAt,
      opened: context.opened + 1,
    })),
  },
  delays: {
    openMs: ({ context }) => context.openMs,
  },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => ({
    stage: input.stage,
    threshold: input.failures,
    openMs: input.openMs,
    halfOpenCalls: input.halfOpenCalls ?? 1,
    consecutiveFailures: 0,
    trials: 0,
    successes: 0,
    openedAt: undefined,
    opened: 0,
  }),
  initial: 'closed',
  states: {
    closed: {
      entry: assign({ consecutiveFailures: 0 }),
      on: {
        CALL_SUCCEEDED: { actions: assign({ consecutiveFailures: 0 }) },
        CALL_FAILED: [
          { guard: 'trips', target: 'open', actions: ['countFailure', 'opens'] },
          { actions: 'countFailure' },
        ],
      },
    },
    open: {
      after: { openMs: 'half-open' },
    },
    'half-open': {
      entry: assign({ trials: 0, successes: 0 }),
      on: {
        TRIAL_STARTED: { guard: 'trialLeft', actions: assign({ trials: ({ context }) => context.trials + 1 }) },
        TRIAL_ABANDONED: { actions: assign({ trials: ({ context }) => Math.max(0, context.trials - 1) }) },
        CALL_SUCCEEDED: [
          { guard: 'closes', target: 'closed' },
          { guard: 'isTrial', actions: assign({ successes: ({ context }) => context.successes + 1 }) },
        ],
        CALL_FAILED: { guard: 'isTrial', target: 'open', actions: 'opens' },
      },
    },
  },
});

/** A circuit breaker's snapshot. */
export type CircuitBreakerSnapshot = SnapshotFrom<typeof circuitBreakerMachine>;

/**
 * What the breaker says of a call about to be made: `call` (closed), `trial` (half-open with a
 * trial left: send TRIAL_STARTED, then make it) or `reject` (open, or no trial left).
 */
export function circuitAdmits(snapshot: CircuitBreakerSnapshot): 'call' | 'trial' | 'reject' {
  if (snapshot.value === 'closed') return 'call';
  return snapshot.can({ type: 'TRIAL_STARTED' }) ? 'trial' : 'reject';
}

/**
 * How long a call the breaker rejected at `now` should wait before it asks again: while open,
 * until it lets trial calls through; while half-open with every trial out, a whole `openMs`
 * (the trials decide by then); 0 when closed.
 */
export function circuitRetryAfterMs(snapshot: CircuitBreakerSnapshot, now: number): number {
  const { openedAt, openMs } = snapshot.context;
  if (snapshot.value === 'half-open') return openMs;
  if (snapshot.value !== 'open' || openedAt === undefined) return 0;
  return Math.max(0, openedAt + openMs - now);
}

/** A circuit breaker actor. */
export type CircuitBreakerActor = Actor<typeof circuitBreakerMachine>;

/** Options of {@link createCircuitBreakerActor}. */
export interface CircuitBreakerActorOptions {
  readonly input: CircuitBreakerInput;
  /** The clock of its open time; the system clock by default. */
  readonly clock?: Clock;
  /** The run's inspection observer: the Stately inspector shows the breaker beside the stages. */
  readonly inspect?: InspectionObserver;
}

/** Creates a stage's circuit breaker actor (id `<stage>.circuit`), not yet started. */
export function createCircuitBreakerActor(options: CircuitBreakerActorOptions): CircuitBreakerActor {
  return createActor(circuitBreakerMachine, {
    id: `${options.input.stage}.circuit`,
    input: options.input,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });
}
