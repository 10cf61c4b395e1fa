import { ErrorCode, InvalidStateError, SluiceError, systemClock, type Clock, type SourceBatch, type SourceHandler, type SourceReader, type StageContext } from '@sluice/core';
import { cronSchedule, intervalSchedule, type Schedule } from './timer/schedule.ts';

/** What a timer does with ticks that fell due while it could not fire (the flow was down or paused). */
export type MissedTicks = 'fire-once' | 'fire-all' | 'skip';

/** Options of {@link timerSource}: `everyMs` or `cron`, exactly one. */
export interface TimerSourceOptions {
  /** Fires every this many ms, counted from the first run's start. */
  readonly everyMs?: number;
  /** Fires on a 5-field cron schedule (minute hour day-of-month month day-of-week). */
  readonly cron?: string;
  /** The IANA time zone the cron expression is read in (default: the process's). */
  readonly timezone?: string;
  /**
   * Ticks that fell due while the timer could not fire: `fire-once` (default) fires the last
   * one, with `missed` counting the others; `fire-all` fires each, in order; `skip` fires none
   * and waits for the next one. Recorded in the activity log.
   */
  readonly missed?: MissedTicks;
  /** Ends the source (EOF) after this many ticks in all, across runs. */
  readonly limit?: number;
}

/** One tick of a timer. */
export interface Tick {
  /** 1 for the first tick of the timer, across runs. */
  readonly tick: number;
  /** When it was due (ms since the epoch). */
  readonly scheduledAt: number;
  /** When it fired, by the run's clock. */
  readonly firedAt: number;
  /** Ticks that fell due before this one and were not fired (`fire-once`). */
  readonly missed: number;
}

/** A timer's position, committed with each tick: what has fired, so a restart never fires a tick twice. */
export interface TimerPosition {
  /** The interval's origin: the first run's start. */
  readonly anchor: number;
  /** The due time of the last tick fired or skipped; the anchor before the first. */
  readonly last: number;
  /** Ticks fired so far. */
  readonly count: number;
}

const POLICIES: readonly MissedTicks[] = ['fire-once', 'fire-all', 'skip'];
/** Due ticks are counted up to this many (a cron schedule is walked one fire time at a time). */
const MAX_COUNTED = 100_000;

/**
 * A source of ticks on a fixed interval or a cron schedule, on the run's clock (so a test
 * advances virtual time instead of waiting). Each tick is committed with its position, so a
 * restart never fires one twice; ticks that fell due while the flow was down follow `missed`.
 * Bad options throw SluiceError CONFIG when the flow is defined.
 */
export function timerSource(options: TimerSourceOptions): SourceHandler<Tick, TimerPosition> {
  const { everyMs, cron, timezone, missed = 'fire-once', limit } = options;
  if ((everyMs === undefined) === (cron === undefined)) {
    throw new SluiceError(ErrorCode.Config, 'timerSource: give exactly one of everyMs and cron');
  }
  if (everyMs !== undefined && !(Number.isSafeInteger(everyMs) && everyMs > 0)) {
    throw new SluiceError(ErrorCode.Config, `timerSource: everyMs must be a positive integer, got ${String(everyMs)}`);
  }
  if (!POLICIES.includes(missed)) {
    throw new SluiceError(ErrorCode.Config, `timerSource: missed must be ${POLICIES.join(', ')}; got "${missed as string}"`);
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new SluiceError(ErrorCode.Config, `timerSource: limit must be a non-negative integer, got ${String(limit)}`);
  }
  // Checked now, not at the first open: a bad expression fails before anything runs.
  const cronOf = cron === undefined ? undefined : cronSchedule(cron, timezone);
  return {
    open(position, context) {
      const clock = context.clock ?? systemClock;
      const at = position ?? { anchor: clock.now(), last: clock.now(), count: 0 };
      const schedule = cronOf ?? intervalSchedule(everyMs ?? 1, at.anchor);
      return new TimerReader(schedule, at, { clock, context, missed, limit });
    },
  };
}

interface ReaderSettings {
  readonly clock: Clock;
  readonly context: StageContext;
  readonly missed: MissedTicks;
  readonly limit: number | undefined;
}

class TimerReader implements SourceReader<Tick, TimerPosition> {
  #position: TimerPosition;
  #wakeTimer: unknown;
  #closed = false;
  /** Until the first tick after an open: ticks due then fell due while the flow was down. */
  #resumed = true;

  constructor(
    private readonly schedule: Schedule,
    position: TimerPosition,
    private readonly settings: ReaderSettings,
  ) {
    this.#position = position;
  }

  read(max: number): Promise<SourceBatch<Tick, TimerPosition>> {
    if (this.#closed) return Promise.reject(new InvalidStateError(`timer "${this.settings.context.stage}" is closed`));
    const { limit } = this.settings;
    const left = limit === undefined ? Infinity : limit - this.#position.count;
    if (left <= 0) return Promise.resolve({ values: [], position: this.#position, done: true });
    const values = this.fire(this.settings.clock.now(), Math.min(max, left));
    const done = limit !== undefined && this.#position.count >= limit;
    if (values.length === 0 && !done) this.wakeAt(this.schedule.next(this.#position.last));
    return Promise.resolve({ values, position: this.#position, done });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#wakeTimer !== undefined) this.settings.clock.clearTimeout(this.#wakeTimer);
    return Promise.resolve();
  }

  /**
   * The ticks due by `now` (at most `max`). On the first firing after an open, when more than
   * one is due (they fell due while the flow was down), per the missed-ticks policy; later, a
   * loop that fell behind (a pause, a slow commit) fires every due tick in order.
   */
  private fire(now: number, max: number): Tick[] {
    const { schedule } = this;
    const { last, count } = this.#position;
    const first = schedule.next(last);
    if (first === undefined || first > now) return [];
    const resumed = this.#resumed;
    this.#resumed = false;
    const due = resumed ? schedule.count(last, now, MAX_COUNTED) : 1;
    const { missed } = this.settings;
    if (due > 1) this.note(due, missed);
    if (due === 1 || missed === 'fire-all') {
      const ticks: Tick[] = [];
      for (let at: number | undefined = first; at !== undefined && at <= now && ticks.length < max; at = schedule.next(at)) {
        ticks.push({ tick: count + ticks.length + 1, scheduledAt: at, firedAt: now, missed: 0 });
      }
      this.#position = { ...this.#position, last: ticks.at(-1)?.scheduledAt ?? last, count: count + ticks.length };
      return ticks;
    }
    const latest = schedule.latest(now) ?? first;
    if (missed === 'skip') {
      this.#position = { ...this.#position, last: latest };
      return [];
    }
    this.#position = { ...this.#position, last: latest, count: count + 1 };
    return [{ tick: count + 1, scheduledAt: latest, firedAt: now, missed: due - 1 }];
  }

  /** Wakes the stage when the next tick is due, so that it fires on time rather than at the next poll. */
  private wakeAt(next: number | undefined): void {
    const { clock, context } = this.settings;
    if (next === undefined || context.wake === undefined || this.#wakeTimer !== undefined) return;
    const wake = context.wake;
    this.#wakeTimer = clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      if (!this.#closed) wake();
    }, Math.max(0, next - clock.now()));
  }

  /** Tells the activity log what was done with the ticks that fell due while the flow was down. */
  private note(due: number, missed: MissedTicks): void {
    const { context } = this.settings;
    const many = due >= MAX_COUNTED ? `more than ${String(MAX_COUNTED - 1)}` : String(due);
    const done = { 'fire-once': 'fired the last of them', 'fire-all': 'firing them in order', skip: 'skipped them, waiting for the next' }[missed];
    const message = `timer "${context.stage}" (${this.schedule.description}): ${many} ticks fell due while the flow was down; ${done} (missed: ${missed})`;
    context.note?.({ kind: 'timer.missed', message, details: { due, policy: missed } });
  }
}
