import { ErrorCode, SluiceError } from '@sluice/core';
import type { CrashableStore } from './crashable-store.ts';
import type { KitClock } from './kit-clock.ts';

/** Turns of the event loop with nothing new happening before the run counts as settled. */
const QUIET_TURNS = 3;
/** Steps at one instant before the kit calls it a loop of timers that never lets time move. */
const MAX_STEPS_AT_ONE_TIME = 100_000;

/** What the time driver works on: the current process's clock and store. */
export interface DriverTarget {
  readonly clock: KitClock;
  readonly store: CrashableStore;
  /**
   * True while the run opens its stages (sources, sinks: real I/O such as files, not the store):
   * time must not move before they are open, or the first timers fire before anything runs.
   */
  readonly opening: () => boolean;
}

/** Real time the kit waits for stages to open before it gives up (they opened a file, say). */
const OPENING_LIMIT_MS = 30_000;

/**
 * Moves a kit's virtual time: from one due timer to the next, letting the run settle in between
 * (every store call landed, no new timer set, for a few turns of the event loop), so that poll
 * timers, retries, restarts, ticks and delays fire in due-time order, each seeing the work of
 * the ones before. While the run opens its stages (real I/O: files, sockets) it waits for them;
 * other work waiting on real I/O is not waited for.
 */
export class VirtualTime {
  readonly #target: () => DriverTarget;
  #activity = 0;
  /** Steps in a row that fired timers without moving the time. */
  #sameTime = 0;

  /** Drives whatever `target()` answers (it changes at a restart). */
  constructor(target: () => DriverTarget) {
    this.#target = target;
  }

  /** Counts a sign of work: a store call started or settled, a timer set or cleared. */
  noteActivity(): void {
    this.#activity += 1;
  }

  /** Resolves once the run has nothing left to do without time moving. */
  async settle(): Promise<void> {
    const since = Date.now();
    for (let quiet = 0; quiet < QUIET_TURNS; ) {
      const seen = this.#activity;
      const { store, opening } = this.#target();
      if (opening() && Date.now() - since < OPENING_LIMIT_MS) {
        // Waiting on real I/O: a short real pause, not a busy loop of event-loop turns.
        await new Promise((resolve) => setTimeout(resolve, 1));
        quiet = 0;
        continue;
      }
      if (store.busy) await store.idle();
      else await nextTurn();
      quiet = seen === this.#activity && !store.busy ? quiet + 1 : 0;
    }
  }

  /** Moves the clock forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.#target().clock.now() + ms;
    await this.settle();
    for (let steps = 0; await this.#step(until); steps++) this.#guard(steps);
    const { clock } = this.#target();
    await clock.advance(until - clock.now());
    await this.settle();
  }

  /**
   * Advances until `holds()` is true, at most `ms` of virtual time; rejects naming `within` when
   * the time runs out first. Time stops where the condition became true.
   */
  async until(holds: () => boolean | Promise<boolean>, ms: number, within: string): Promise<void> {
    const deadline = this.#target().clock.now() + ms;
    await this.settle();
    for (let steps = 0; !(await holds()); steps++) {
      this.#guard(steps);
      if (await this.#step(deadline)) continue;
      const { clock } = this.#target();
      if (clock.now() < deadline) {
        await clock.advance(deadline - clock.now());
        await this.settle();
        continue;
      }
      throw new SluiceError(ErrorCode.Timeout, `until: the condition was not met within ${within} of virtual time`);
    }
  }

  /** Fires the timers due at the earliest due time, if it is by `limit`, then settles. */
  async #step(limit: number): Promise<boolean> {
    const { clock } = this.#target();
    const next = clock.nextDue();
    if (next === undefined || next > limit) return false;
    const at = clock.now();
    await clock.advance(Math.max(0, next - at));
    this.#sameTime = clock.now() === at ? this.#sameTime + 1 : 0;
    await this.settle();
    return true;
  }

  #guard(steps: number): void {
    if (steps > 0 && this.#sameTime > MAX_STEPS_AT_ONE_TIME) {
      throw new SluiceError(ErrorCode.Internal, `virtual time: timers keep falling due at ${String(this.#target().clock.now())} and time cannot move on`);
    }
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
