import { ErrorCode, TerminalError, type JournalRecord } from '@sluice/core';
import type { KeyCache } from './key-cache.ts';

/** The keys of `keys` not in `cache`, each once, in first-seen order. */
export function missingKeys(cache: KeyCache, keys: Iterable<string | undefined>): string[] {
  const missing = new Set<string>();
  for (const key of keys) if (key !== undefined && !cache.has(key)) missing.add(key);
  return [...missing];
}

/**
 * A record's event time as whole ms, for a join on event time; throws TerminalError naming the
 * join (`label`, e.g. `window join "q8"`) for none, or one that is not epoch ms.
 */
export function joinTimeOf(label: string, stage: string, record: JournalRecord): number {
  const { time } = record;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0 || time > Number.MAX_SAFE_INTEGER / 2) {
    const what = time === undefined ? 'no event time (set StageOptions.eventTime upstream)' : `event time ${String(time)}, not epoch ms`;
    throw new TerminalError(ErrorCode.MalformedInput, `${label}: record #${String(record.seq)} has ${what}`, { stage });
  }
  return Math.floor(time);
}

/** A time as a fixed-width key part, so keys sort by it. */
export const padTime = (n: number): string => String(n).padStart(16, '0');
