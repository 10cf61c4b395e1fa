import type { Database } from 'lmdb';
import { checkKeyedKey, type KeyedChange, type KeyedEntry, type KeyedRange } from '@sluice/core';

/** Keys of the keyed-state database: the stage, then its key (ordered-binary sorts them by UTF-8 bytes). */
export type KeyedKey = [stage: string, key: string];

/** The databases of keyed state: entries, and per-stage key counts (LMDB counts only by walking). */
export interface KeyedDbs {
  readonly keyed: Database<unknown, KeyedKey>;
  readonly keyedCounts: Database<unknown, string>;
}

/** Writes a commit's keyed changes; must run inside the commit's write transaction. */
export function applyKeyed(dbs: KeyedDbs, stage: string, changes: readonly KeyedChange[]): void {
  if (changes.length === 0) return;
  let count = countOf(dbs, stage);
  for (const { key, value } of changes) {
    checkKeyedKey(stage, key);
    const at: KeyedKey = [stage, key];
    const known = dbs.keyed.doesExist(at);
    if (value === undefined) {
      if (known && dbs.keyed.removeSync(at)) count--;
    } else {
      dbs.keyed.putSync(at, value);
      if (!known) count++;
    }
  }
  dbs.keyedCounts.putSync(stage, count);
}

/** The stage's number of keys. */
export function countOf(dbs: KeyedDbs, stage: string): number {
  const count = dbs.keyedCounts.get(stage);
  return typeof count === 'number' ? count : 0;
}

/** Up to `limit` entries of the stage in `range`, in key order. */
export function scanKeyed(dbs: KeyedDbs, stage: string, { after, before, limit }: KeyedRange): KeyedEntry[] {
  const entries: KeyedEntry[] = [];
  if (limit <= 0) return entries;
  // [stage + U+0001] sorts after every [stage, key]: the array separator is a 0 byte.
  const end: KeyedKey | [string] = before === undefined ? [`${stage}\u0001`] : [stage, before];
  const start: KeyedKey = [stage, after ?? ''];
  for (const { key, value } of dbs.keyed.getRange({ start, end: end as KeyedKey })) {
    const name = key[1];
    if (after !== undefined && name === after) continue;
    entries.push({ key: name, value });
    if (entries.length >= limit) break;
  }
  return entries;
}
