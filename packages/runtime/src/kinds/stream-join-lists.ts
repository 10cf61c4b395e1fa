import type { KeyedChange } from '@sluice/core';
import type { KeyCache } from './key-cache.ts';

/** Records per chunk of a side's list: an append rewrites one chunk, never a hot key's whole list. */
const CHUNK = 128;

/** A join side: 0 left, 1 right. */
export type Side = 0 | 1;

/** The entry holding how many records `side` has stored under `key`: `l:key` or `r:key`. */
export const countOf = (side: Side, key: string): string => `${side === 0 ? 'l' : 'r'}:${key}`;
/** The entry of chunk `n` of that list: `L:n:key` or `R:n:key` (n fixed-width, so no two keys meet). */
const chunkOf = (side: Side, key: string, n: number): string => `${side === 0 ? 'L' : 'R'}:${String(n).padStart(8, '0')}:${key}`;

/**
 * A stream join's stored records for one batch, over its committed keyed state: per side and
 * key a count and the records in chunks of {@link CHUNK}, so appending to a key with thousands
 * of records writes its count and its last chunk only. What the batch changes is kept apart
 * (chunks copied on first change) until `commit` puts it in the cache.
 */
export class SideLists {
  private readonly changed = new Map<string, unknown>();

  constructor(
    private readonly cache: KeyCache,
    private readonly fetch: (entries: readonly string[]) => Promise<void>,
  ) {}

  /** Loads the counts, then every chunk, of both sides of `keys`. */
  async load(keys: Iterable<string>): Promise<void> {
    const unique = [...new Set(keys)];
    await this.fetch(unique.flatMap((key) => [countOf(0, key), countOf(1, key)]));
    const chunks: string[] = [];
    for (const key of unique) {
      for (const side of [0, 1] as const) {
        const n = Math.ceil(this.count(side, key) / CHUNK);
        for (let i = 0; i < n; i++) chunks.push(chunkOf(side, key, i));
      }
    }
    await this.fetch(chunks);
  }

  /** How many records `side` holds under `key`. */
  count(side: Side, key: string): number {
    return (this.value(countOf(side, key)) as number | undefined) ?? 0;
  }

  /** The records `side` holds under `key`, in arrival order (loaded first). */
  *each(side: Side, key: string): Generator {
    const n = Math.ceil(this.count(side, key) / CHUNK);
    for (let i = 0; i < n; i++) yield* (this.value(chunkOf(side, key, i)) as unknown[] | undefined) ?? [];
  }

  /** Appends a record to `side`'s list of `key`. */
  append(side: Side, key: string, item: unknown): void {
    const count = this.count(side, key);
    const chunk = chunkOf(side, key, Math.floor(count / CHUNK));
    let list = this.changed.get(chunk) as unknown[] | undefined;
    // Copied once per batch: the committed chunk in memory must not change before its commit.
    if (list === undefined) this.changed.set(chunk, (list = [...((this.cache.get(chunk) as unknown[] | undefined) ?? [])]));
    list.push(item);
    this.changed.set(countOf(side, key), count + 1);
  }

  /** Replaces `side`'s list of `key` with `items` (none: the key's entries are deleted). */
  replace(side: Side, key: string, items: readonly unknown[]): void {
    const before = Math.ceil(this.count(side, key) / CHUNK);
    const after = Math.ceil(items.length / CHUNK);
    for (let i = 0; i < Math.max(before, after); i++) {
      this.changed.set(chunkOf(side, key, i), i < after ? items.slice(i * CHUNK, (i + 1) * CHUNK) : undefined);
    }
    this.changed.set(countOf(side, key), items.length === 0 ? undefined : items.length);
  }

  /** Puts (or, with undefined, deletes) another entry of the stage's state in this batch. */
  set(entry: string, value: unknown): void {
    this.changed.set(entry, value);
  }

  /** This batch's entries whose key starts with `prefix` and sorts below `bound`. */
  pending(prefix: string, bound: string): string[] {
    return [...this.changed].filter(([entry, value]) => value !== undefined && entry.startsWith(prefix) && entry < bound).map(([entry]) => entry);
  }

  /** The batch's changes, for its commit. */
  changes(): KeyedChange[] {
    return [...this.changed].map(([key, value]) => (value === undefined ? { key } : { key, value }));
  }

  /** Once committed: the changes become the cache's committed values. */
  commit(): void {
    for (const [entry, value] of this.changed) this.cache.set(entry, value);
  }

  private value(entry: string): unknown {
    return this.changed.has(entry) ? this.changed.get(entry) : this.cache.get(entry);
  }
}
