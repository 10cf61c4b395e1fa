import { TerminalError } from '@sluice/core';
import type { CircuitBreaker, CircuitPermit, CircuitStatus } from './circuit-breaker.ts';
import type { TokenBucket } from './token-bucket.ts';

/** What a call through a {@link StageGuard} reports when it ends; a no-op without a breaker. */
export type GuardPermit = CircuitPermit;

const UNGUARDED: GuardPermit = { succeeded: () => undefined, failed: () => undefined, released: () => undefined };

/**
 * The protection of one stage's calls: its rate limit and its circuit breaker, either optional.
 * A runner asks `admit` before each call and tells the permit how the call ended:
 *
 * ```ts
 * const permit = await guard.admit(signal); // waits for a token; throws CIRCUIT_OPEN while open
 * try { await deliver(batch); permit.succeeded(); } catch (e) { permit.failed(); throw e; }
 * ```
 *
 * or wraps the call in {@link StageGuard.call}, which does exactly that.
 */
export class StageGuard {
  constructor(
    readonly stage: string,
    private readonly parts: { readonly breaker?: CircuitBreaker; readonly limiter?: TokenBucket },
  ) {}

  /**
   * Lets a call go: waits for a rate-limit token (rejecting as soon as `signal` aborts), then
   * asks the breaker. While the breaker rejects, it throws (or rejects with) a RetryableError
   * `CIRCUIT_OPEN` without waiting for a token. Synchronous when there is nothing to wait for.
   */
  admit(signal?: AbortSignal): GuardPermit | Promise<GuardPermit> {
    const { breaker, limiter } = this.parts;
    // Fail fast: a call the breaker refuses does not wait for, nor spend, a token.
    if (breaker !== undefined && !breaker.admits) return breaker.acquire();
    const waiting = limiter?.take(signal);
    if (waiting === undefined) return breaker?.acquire() ?? UNGUARDED;
    return waiting.then(() => breaker?.acquire() ?? UNGUARDED);
  }

  /**
   * Admits `fn`, calls it and reports its outcome: a TerminalError (a bad input, not a sick
   * service) counts as neither success nor failure.
   */
  async call<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const permit = await this.admit(signal);
    try {
      const result = await fn();
      permit.succeeded();
      return result;
    } catch (error) {
      settleFailure(permit, error, signal?.aborted === true);
      throw error;
    }
  }

  /** The breaker now (undefined when the stage has none). */
  circuit(): CircuitStatus | undefined {
    return this.parts.breaker?.status();
  }

  /** Starts the breaker's actor. */
  start(): void {
    this.parts.breaker?.start();
  }

  /** Stops the breaker's actor and its timer. */
  stop(): void {
    this.parts.breaker?.stop();
  }
}

/**
 * Reports a failed call to its permit: a failure of the call itself counts against the
 * breaker; one during a cancel, or a TerminalError (the record is bad, not the service),
 * releases the permit instead.
 */
export function settleFailure(permit: GuardPermit, error: unknown, cancelled: boolean): void {
  if (cancelled || error instanceof TerminalError) permit.released();
  else permit.failed();
}
