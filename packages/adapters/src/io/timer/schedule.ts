import { Cron } from 'croner';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';

/** When a timer fires: the first fire time after a given time. */
export interface Schedule {
  /** The first fire time (ms since the epoch) strictly after `after`; undefined when there is none. */
  next(after: number): number | undefined;
  /** The last fire time at or before `upTo`, undefined when there is none. */
  latest(upTo: number): number | undefined;
  /** How many fire times lie in (`after`, `upTo`], counting at most to `cap`. */
  count(after: number, upTo: number, cap: number): number;
  /** For messages: `every 5000 ms`, `cron "0 9 * * 1-5" (Europe/Paris)`. */
  readonly description: string;
}

/** Ticks every `everyMs` from `anchor` (the first open's time): anchor + everyMs, anchor + 2 everyMs… */
export function intervalSchedule(everyMs: number, anchor: number): Schedule {
  const index = (t: number): number => Math.floor((t - anchor) / everyMs);
  return {
    next: (after) => anchor + (index(after) + 1) * everyMs,
    latest: (upTo) => (index(upTo) >= 1 ? anchor + index(upTo) * everyMs : undefined),
    count: (after, upTo, cap) => Math.min(cap, Math.max(0, index(upTo) - Math.max(0, index(after)))),
    description: `every ${String(everyMs)} ms`,
  };
}

/**
 * A 5-field cron schedule (minute hour day-of-month month day-of-week), read in `timezone`
 * (an IANA name; default the process's). Parsed by croner; an invalid expression or time zone
 * throws SluiceError CONFIG naming it, when the flow is defined.
 */
export function cronSchedule(expression: string, timezone: string | undefined): Schedule {
  let cron: Cron;
  try {
    cron = new Cron(expression, { mode: '5-part', paused: true, ...(timezone === undefined ? {} : { timezone }) });
    cron.nextRun(new Date(0));
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `timerSource: cron "${expression}"${timezone === undefined ? '' : ` in ${timezone}`} is invalid: ${errorMessage(error)}`);
  }
  const next = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime();
  return {
    next,
    latest: (upTo) => cron.previousRuns(1, new Date(upTo + 1))[0]?.getTime(),
    count: (after, upTo, cap) => {
      let n = 0;
      for (let t = next(after); t !== undefined && t <= upTo && n < cap; t = next(t)) n++;
      return n;
    },
    description: `cron "${expression}"${timezone === undefined ? '' : ` (${timezone})`}`,
  };
}
