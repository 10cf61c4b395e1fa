import type { JournalStore } from '@sluice/core';
import { padTime } from './join-cache.ts';

/** A stored record of a stream join with `within`: its value and event time. */
export interface Stored {
  readonly v: unknown;
  readonly t: number;
}

/** Index entries sort after the `l:` and `r:` lists, by expiry time: `x:expiry:side:key`. */
const INDEX = 'x:';
/** Index entries read per scan. */
const PAGE = 1000;

/** The index entry saying `side`'s list of `key` holds a record expiring at `expiry`. */
export const expiryOf = (expiry: number, side: 0 | 1, key: string): string => `${INDEX}${padTime(expiry)}:${String(side)}:${key}`;

/** The list entry an index entry points at (`l:key` or `r:key`). */
function listOfIndex(index: string): string {
  const rest = index.slice(INDEX.length + 17);
  return `${rest.startsWith('0') ? 'l' : 'r'}:${rest.slice(2)}`;
}

/** What expiry needs of the stage: its store and name, and a way to load state entries into memory. */
export interface ExpiringStage {
  readonly store: JournalStore;
  readonly name: string;
  fetch(entries: string[]): Promise<void>;
}

/**
 * Deletes, into `changed`, what the watermark has passed: every index entry whose expiry is
 * below `watermark` (committed ones, by a scan from the start of the index, and this batch's),
 * and from the lists they point at the records with `t + within` below it. A list left empty is
 * deleted; a kept record keeps its own index entry (a later expiry).
 */
export async function expireStored(
  stage: ExpiringStage,
  watermark: number,
  changed: Map<string, unknown[] | undefined>,
  listOf: (entry: string) => readonly unknown[],
  within: number,
): Promise<void> {
  const bound = `${INDEX}${padTime(Math.max(0, watermark))}`;
  const expired = new Set<string>();
  for (const [entry, value] of changed) if (value !== undefined && entry.startsWith(INDEX) && entry < bound) expired.add(entry);
  let after = INDEX;
  for (;;) {
    const page = await stage.store.scanKeyed(stage.name, { after, before: bound, limit: PAGE });
    for (const { key } of page) expired.add(key);
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) break;
    after = last.key;
  }
  if (expired.size === 0) return;
  const lists = new Set([...expired].map(listOfIndex));
  await stage.fetch([...lists].filter((entry) => !changed.has(entry)));
  for (const index of expired) changed.set(index, undefined);
  for (const entry of lists) {
    const kept = listOf(entry).filter((item) => (item as Stored).t + within >= watermark);
    changed.set(entry, kept.length === 0 ? undefined : kept);
  }
}
