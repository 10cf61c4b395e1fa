import { ErrorCode, TerminalError, type JournalRecord } from '@sluice/core';

/**
 * Committed keyed-state values kept in memory for the join kinds, in two generations: new and
 * used keys go to the young one; when it is full it becomes the old one and the old one is
 * dropped, and a key found in the old one moves back. Every operation is O(1). A key known to
 * have no value is kept as `undefined`, so a miss is not read from the store again.
 */
export class JoinCache {
  private young = new Map<string, unknown>();
  private old = new Map<string, unknown>();

  constructor(private readonly limit: number) {}

  /** True when `key`'s committed value (possibly none) is in memory. */
  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** The committed value of `key`, undefined for none (or not in memory: ask `has`). */
  get(key: string): unknown {
    if (this.young.has(key)) return this.young.get(key);
    const value = this.old.get(key);
    if (this.old.has(key)) this.set(key, value);
    return value;
  }

  /** Keeps `key`'s committed value (undefined: known to have none). */
  set(key: string, value: unknown): void {
    this.young.set(key, value);
    if (this.young.size < this.limit) return;
    this.old = this.young;
    this.young = new Map();
  }

  /** Forgets everything (a restart reads the committed values again). */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}

/** The keys of `keys` not in `cache`, each once, in first-seen order. */
export function missingKeys(cache: JoinCache, keys: Iterable<string | undefined>): string[] {
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
