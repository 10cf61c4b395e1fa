import { SimulatedClock, type TimerId } from '@sluice/core';

/**
 * The kit's SimulatedClock: it also knows when its next timer is due, so that the kit can step
 * from one due time to the next and let the run settle in between (SimulatedClock keeps its
 * timers private). `onChange` hears every timer set or cleared: the kit's sign of activity.
 */
export class KitClock extends SimulatedClock {
  readonly #due = new Map<TimerId, number>();
  readonly #onChange: () => void;

  /** A clock that reads `start` and calls `onChange` whenever a timer is set or cleared. */
  constructor(start: number, onChange: () => void) {
    super(start);
    this.#onChange = onChange;
  }

  /** Schedules `fn` as SimulatedClock does, remembering its due time. */
  override setTimeout(fn: () => void, ms: number): TimerId {
    const id: TimerId = super.setTimeout(() => {
      this.#due.delete(id);
      fn();
    }, ms);
    this.#due.set(id, this.now() + (ms > 0 ? ms : 0));
    this.#onChange();
    return id;
  }

  /** Cancels a timer as SimulatedClock does. */
  override clearTimeout(id: TimerId): void {
    this.#due.delete(id);
    super.clearTimeout(id);
    this.#onChange();
  }

  /** The due time of the earliest pending timer, undefined when none is pending. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const due of this.#due.values()) if (next === undefined || due < next) next = due;
    return next;
  }
}
