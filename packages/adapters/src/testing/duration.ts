import { ErrorCode, SluiceError } from '@sluice/core';

/** A span of time: ms as a number, or a string such as `'250ms'`, `'5s'`, `'2m'`, `'1h'`, `'1d'`. */
export type Duration = number | string;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The ms of a {@link Duration}. Parsed by hand: five units and one pattern are fewer lines than
 * a dependency, and a bad value throws (a CONFIG SluiceError naming it) instead of reading as NaN.
 */
export function parseDuration(duration: Duration): number {
  const match = typeof duration === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(duration) : null;
  const ms = typeof duration === 'number' ? duration : match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isFinite(ms) || ms < 0) {
    throw new SluiceError(ErrorCode.Config, `duration "${String(duration)}": use ms (a number ≥ 0) or a number with ms, s, m, h or d`);
  }
  return ms;
}

/** A duration as a test's message shows it: as given. */
export function showDuration(duration: Duration): string {
  return typeof duration === 'number' ? `${String(duration)}ms` : duration;
}
