import type { Clock, JournalStore } from '@sluice/core';

/** Backoff bounds for polling when no commit notification arrives. */
export interface PollBackoff {
  readonly minMs: number;
  readonly maxMs: number;
}

/** What a waker listens to, and the clock its poll backoff waits on. */
export interface WakerOptions {
  readonly store: JournalStore;
  readonly backoff: PollBackoff;
  readonly clock: Clock;
}

/**
 * Wakes a stage when one of the journals it reads commits, falling back to polling with
 * exponential backoff (commits made by another process never notify). The backoff waits on
 * the run's clock: on a simulated clock the stage still wakes on every commit notification,
 * and polls only when the clock is advanced.
 * A notification that arrives while the stage is busy is remembered, so none is lost.
 */
export class Waker {
  private pending = false;
  private wake: (() => void) | undefined;
  private delayMs: number;
  private readonly unsubscribe: () => void;
  private readonly backoff: PollBackoff;
  private readonly clock: Clock;

  /** Listens for commits to the `watched` journals of `options.store`. */
  constructor(watched: ReadonlySet<string>, options: WakerOptions) {
    this.backoff = options.backoff;
    this.clock = options.clock;
    this.delayMs = options.backoff.minMs;
    this.unsubscribe = options.store.subscribe((journal) => {
      if (watched.has(journal)) this.notify();
    });
  }

  /** Wakes the stage now (a commit upstream, or a stop request). */
  notify(): void {
    this.pending = true;
    this.delayMs = this.backoff.minMs;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Marks the start of a read: notifications from here on wake the next `wait`. */
  arm(): void {
    this.pending = false;
  }

  /** Resets the backoff after useful work. */
  progressed(): void {
    this.delayMs = this.backoff.minMs;
  }

  /** Waits for a notification or the backoff delay, whichever comes first. */
  async wait(): Promise<void> {
    if (this.pending) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.backoff.maxMs, this.delayMs * 2);
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, delay);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops listening for commits. */
  close(): void {
    this.unsubscribe();
    this.notify();
  }
}
