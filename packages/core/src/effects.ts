import { ErrorCode, TerminalError } from './errors.ts';
import type { RetryPolicy } from './stage-node.ts';

/** What an effect's function is called with. */
export interface EffectCall {
  /**
   * The idempotency key: stable across retries, restarts and recovery (by default derived from
   * the stage, the input record and the effect's place in the handler call), so that the
   * receiver can deduplicate.
   */
  readonly key: string;
  /** 1 for the first attempt of this process, counting up per retry. */
  readonly attempt: number;
  /** Aborted on a timeout, on a cancel stop and when the stage fails. */
  readonly signal: AbortSignal;
}

/** Options of {@link HandlerContext.effect}; `T` is the effect's value. */
export interface EffectOptions<T = unknown> {
  /** The idempotency key (default: stage, input and ordinal, see {@link EffectCall.key}). */
  readonly key?: string;
  /** An attempt that takes longer is abandoned (its signal aborted) and counts as failed. */
  readonly timeoutMs?: number;
  /** Retries of a failing attempt; a TerminalError is never retried (default: none). */
  readonly retry?: RetryPolicy;
  /**
   * What recovery does with an intent whose outcome was never journaled (the process ended
   * during the call): call again with the same key (`retry`, the default), or fail the record
   * into the error lane without calling (`fail`).
   */
  readonly onUnknownOutcome?: 'retry' | 'fail';
  /**
   * Undoes this effect (the saga pattern): when a later effect of the same handler call fails,
   * the compensations of the effects that succeeded run in reverse order, each itself a
   * durable effect (`compensate:<name>`, never repeated once done), and the record goes to the
   * error lane with code COMPENSATED. Gets the effect's value and a call with its own key.
   */
  readonly compensate?: (value: T, call: EffectCall) => unknown;
}

/**
 * What a transform's or flatMap's handler can do besides compute: reach the outside through
 * durable effects. Its third argument.
 */
export interface HandlerContext {
  readonly flow: string;
  readonly stage: string;
  /** Aborted on a cancel stop and when the stage fails. */
  readonly signal: AbortSignal;
  /**
   * Calls `fn` once, durably: its intent (stage, input, name, ordinal, key) is journaled
   * before the call and its outcome (value or error) after, in the stage's `<stage>$effects`
   * journal. A re-run of the handler for the same input (a retry, a restart, recovery after a
   * crash) gets the journaled value back, or the journaled error thrown, and `fn` is not
   * called again. The n-th effect of a handler call must be the same effect on every run: a
   * handler that calls effects in a different order fails with a TerminalError.
   */
  effect<T>(name: string, fn: (call: EffectCall) => T | Promise<T>, options?: EffectOptions<T>): Promise<T>;
}

/** An effect whose journaled outcome is a failure, thrown again on every re-run. */
export class EffectFailedError extends TerminalError {
  /** The failure's code as it was first thrown. */
  readonly effectCode: string;

  constructor(message: string, effectCode: string, context: { stage?: string } = {}) {
    super(ErrorCode.HandlerFailed, message, context);
    this.effectCode = effectCode;
  }
}
