import { sleep, type Clock } from '@sluice/core';

/** A stage's `rateLimit`: calls per second, and how many may go at once after a quiet spell. */
export interface RateLimitSettings {
  readonly perSecond: number;
  /** Tokens the bucket holds when full (default 1: calls evenly spaced). */
  readonly burst?: number;
}

/**
 * A token bucket on the Clock port: it holds up to `burst` tokens and gains `perSecond` a
 * second; each call takes one. A call that finds none reserves the next one (the count goes
 * below zero) and waits on the clock until it is due, so concurrent callers are spaced by
 * `1 / perSecond` in the order they asked, and none waits on a timer it does not need.
 */
export class TokenBucket {
  private readonly burst: number;
  private readonly intervalMs: number;
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    settings: RateLimitSettings,
  ) {
    this.burst = settings.burst ?? 1;
    this.intervalMs = 1000 / settings.perSecond;
    this.tokens = this.burst;
    this.updatedAt = clock.now();
  }

  /**
   * Takes a token: undefined when one is there now (no promise, no timer), else a promise
   * that resolves when the reserved token is due. It rejects as soon as `signal` aborts, and
   * gives the reservation back then.
   */
  take(signal?: AbortSignal): Promise<void> | undefined {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return undefined;
    return sleep(this.clock, -this.tokens * this.intervalMs, signal).catch((error: unknown) => {
      this.tokens += 1;
      throw error;
    });
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.intervalMs);
    this.updatedAt = now;
  }
}
