import type { Database } from 'lmdb';
import { checkKeyedKey, compareKeys, type KeyedChange, type KeyedEntry, type KeyedRange } from '@sluice/core';
import { isDeleted, type KeyedDeltas } from './keyed-deltas.ts';

/** Keys of the keyed-state database: the stage, then its key (ordered-binary sorts them by UTF-8 bytes). */
export type KeyedKey = [stage: string, key: string];

/** Pending keys of a stage that make the next commit merge its deltas into the table. */
const MERGE_KEYS = 20_000;
/** Pending delta records of a stage that make the next commit merge them (so few keys do not pile up records). */
const MERGE_DELTAS = 64;

/** The databases of keyed state: entries, per-stage key counts (LMDB counts only by walking), and the deltas not yet merged. */
export interface KeyedDbs {
  readonly keyed: Database<unknown, KeyedKey>;
  readonly keyedCounts: Database<unknown, string>;
  readonly deltas: KeyedDeltas;
}

/**
 * Writes a commit's keyed changes; must run inside the commit's write transaction. The changes
 * go in as one delta record (see KeyedDeltas), the key count is kept exact, and once a stage's
 * deltas hold enough keys this commit also merges them into the per-key table, in key order.
 */
export function applyKeyed(dbs: KeyedDbs, stage: string, changes: readonly KeyedChange[]): void {
  if (changes.length === 0) return;
  const latest = new Map<string, unknown>();
  for (const { key, value } of changes) {
    checkKeyedKey(stage, key);
    latest.set(key, value);
  }
  let count = countOf(dbs, stage);
  const pending = dbs.deltas.of(stage);
  for (const [key, value] of latest) {
    const entry = pending.entries.get(key);
    const known = entry === undefined ? dbs.keyed.doesExist([stage, key]) : !isDeleted(entry);
    if (value === undefined) {
      if (known) count--;
    } else if (!known) count++;
  }
  dbs.deltas.append(stage, latest);
  dbs.keyedCounts.putSync(stage, count);
  if (pending.entries.size >= MERGE_KEYS || pending.numbers.length >= MERGE_DELTAS) dbs.deltas.merge(stage, dbs.keyed);
}

/** The stage's number of keys. */
export function countOf(dbs: KeyedDbs, stage: string): number {
  const count = dbs.keyedCounts.get(stage);
  return typeof count === 'number' ? count : 0;
}

/** The value under `key`: a pending change first, else the table's. */
export function getKeyed(dbs: KeyedDbs, stage: string, key: string): unknown {
  const pending = dbs.deltas.lookup(stage, key);
  if (pending === undefined) return dbs.keyed.get([stage, key]);
  return isDeleted(pending) ? undefined : pending.value;
}

/** Up to `limit` entries of the stage in `range`, in key order: the table's, with pending changes over them. */
export function scanKeyed(dbs: KeyedDbs, stage: string, { after, before, limit }: KeyedRange): KeyedEntry[] {
  const entries: KeyedEntry[] = [];
  if (limit <= 0) return entries;
  const pending = dbs.deltas.range(stage, after, before);
  let next = pending.next();
  const emitPending = (): void => {
    if (next.done === true) return;
    const [key, entry] = next.value;
    if (!isDeleted(entry)) entries.push({ key, value: dbs.deltas.decode(entry) });
    next = pending.next();
  };
  const pendingKey = (): string | undefined => (next.done === true ? undefined : next.value[0]);
  // [stage + U+0001] sorts after every [stage, key]: the array separator is a 0 byte.
  const end: KeyedKey | [string] = before === undefined ? [`${stage}\u0001`] : [stage, before];
  const start: KeyedKey = [stage, after ?? ''];
  for (const { key, value } of dbs.keyed.getRange({ start, end: end as KeyedKey })) {
    const name = key[1];
    if (after !== undefined && name === after) continue;
    for (let k = pendingKey(); k !== undefined && entries.length < limit && compareKeys(k, name) < 0; k = pendingKey()) emitPending();
    if (entries.length >= limit) break;
    if (pendingKey() === name) emitPending();
    else entries.push({ key: name, value });
    if (entries.length >= limit) break;
  }
  while (pendingKey() !== undefined && entries.length < limit) emitPending();
  return entries;
}
