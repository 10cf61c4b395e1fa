import type { JournalStore } from '@sluice/core';
import { padTime } from './join-cache.ts';
import type { Side, SideLists } from './stream-join-lists.ts';

/** A stored record of a stream join with `within`: its value and event time. */
export interface Stored {
  readonly v: unknown;
  readonly t: number;
}

/** Index entries sort apart from the lists, by expiry time: `x:expiry:side:key`. */
const INDEX = 'x:';
/** Index entries read per scan. */
const PAGE = 1000;

/** The index entry saying `side`'s list of `key` holds a record expiring at `expiry`. */
export const expiryOf = (expiry: number, side: Side, key: string): string => `${INDEX}${padTime(expiry)}:${String(side)}:${key}`;

/** The side and key an index entry points at. */
function listOfIndex(index: string): { side: Side; key: string } {
  const rest = index.slice(INDEX.length + 17);
  return { side: rest.startsWith('0') ? 0 : 1, key: rest.slice(2) };
}

/**
 * Deletes from `lists` what the watermark has passed: every index entry whose expiry is below
 * `watermark` (committed ones, by a scan from the start of the index, and this batch's), and
 * from the lists they point at the records with `t + within` below it. A list left empty is
 * deleted; a kept record keeps its own index entry (a later expiry).
 */
export async function expireStored(stage: { readonly store: JournalStore; readonly name: string }, watermark: number, within: number, lists: SideLists): Promise<void> {
  const bound = `${INDEX}${padTime(Math.max(0, watermark))}`;
  const expired = new Set(lists.pending(INDEX, bound));
  let after = INDEX;
  for (;;) {
    const page = await stage.store.scanKeyed(stage.name, { after, before: bound, limit: PAGE });
    for (const { key } of page) expired.add(key);
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) break;
    after = last.key;
  }
  if (expired.size === 0) return;
  const targets = new Map<string, { side: Side; key: string }>();
  for (const index of expired) {
    const target = listOfIndex(index);
    targets.set(`${String(target.side)}:${target.key}`, target);
    lists.set(index, undefined);
  }
  await lists.load([...targets.values()].map((t) => t.key));
  for (const { side, key } of targets.values()) {
    const kept = [...lists.each(side, key)].filter((item) => (item as Stored).t + within >= watermark);
    lists.replace(side, key, kept);
  }
}
