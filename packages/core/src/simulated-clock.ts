import type { Clock, TimerId } from './ports.ts';

interface SimulatedTimer {
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock whose time moves only when a test says so (after XState's `SimulatedClock`), so
 * backoff, retry and liveness tests never sleep. Give it to `run(flow, { clock })` or to
 * `createActor(machine, { clock })`, then `await clock.advance(ms)`.
 *
 * ```ts
 * const clock = new SimulatedClock();
 * const slept = sleep(clock, 60_000);
 * await clock.advance(60_000); // slept resolves here, not before
 * ```
 */
export class SimulatedClock implements Clock {
  #now: number;
  #nextId = 1;
  // A Map iterates in insertion order: timers due at the same time fire in the order set.
  readonly #timers = new Map<number, SimulatedTimer>();

  /** A clock that reads `start` (default 0) until it is set or advanced. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The simulated time in ms. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + ms` (a negative or NaN `ms` counts as 0); fires only in `advance`. */
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.set(id, { due: this.#now + (ms > 0 ? ms : 0), fn });
    return id;
  }

  /** Cancels a pending timer; an unknown or fired id is ignored. */
  clearTimeout(id: TimerId): void {
    if (typeof id === 'number') this.#timers.delete(id);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Jumps the time to `ms`, forward or back as a wall clock can, and fires nothing: timers
   * that became due fire at the next `advance` (`advance(0)` fires them now).
   */
  set(ms: number): void {
    this.#now = ms;
  }

  /**
   * Moves the time forward by `ms`, firing every timer due by then in due-time order, each at
   * its own time: `now()` reads the timer's due time while it runs (or the current time, for
   * one overdue after a `set`). Timers that a firing timer sets within the range fire too.
   *
   * After each timer, and once at the end, it waits for one turn of the event loop
   * (`setImmediate`): that runs every promise continuation the timer made ready, however many
   * hops long, so a chain like "timer → await → await → next wait" has set its next timer
   * before the next one is chosen. Work that waits on real I/O or real timers is not waited
   * for. A timer that throws rejects `advance`, with the time at that timer.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    for (let next = this.#nextDue(target); next !== undefined; next = this.#nextDue(target)) {
      const [id, timer] = next;
      this.#timers.delete(id);
      this.#now = Math.max(this.#now, timer.due);
      timer.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** The earliest timer due by `target`; the first set among those due at the same time. */
  #nextDue(target: number): [number, SimulatedTimer] | undefined {
    let found: [number, SimulatedTimer] | undefined;
    for (const entry of this.#timers) {
      if (entry[1].due <= target && (found === undefined || entry[1].due < found[1].due)) found = entry;
    }
    return found;
  }
}

/** One turn of the event loop: the microtask queue drains in full before it ends. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
