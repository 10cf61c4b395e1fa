import { compareKeys, type KeyedChange, type KeyedEntry, type KeyedRange } from './store.ts';

/**
 * One stage's keyed state in memory: a map, with the keys kept sorted in an array for range
 * scans. New keys are binary-inserted; a scan finds its start by binary search, so a scan from
 * the smallest key (pending timers by due time) costs its limit, not the table's size.
 */
export class KeyedTable {
  private readonly values = new Map<string, unknown>();
  private readonly sorted: string[] = [];

  get size(): number {
    return this.values.size;
  }

  get(key: string): unknown {
    return this.values.get(key);
  }

  apply(changes: readonly KeyedChange[]): void {
    for (const { key, value } of changes) {
      const known = this.values.has(key);
      if (value === undefined) {
        if (!known) continue;
        this.values.delete(key);
        this.sorted.splice(this.indexOf(key), 1);
      } else {
        if (!known) this.sorted.splice(this.indexOf(key), 0, key);
        this.values.set(key, value);
      }
    }
  }

  scan({ after, before, limit }: KeyedRange): KeyedEntry[] {
    let i = after === undefined ? 0 : this.indexOf(after);
    if (after !== undefined && this.sorted[i] === after) i++;
    const entries: KeyedEntry[] = [];
    for (; i < this.sorted.length && entries.length < limit; i++) {
      const key = this.sorted[i] as string;
      if (before !== undefined && compareKeys(key, before) >= 0) break;
      entries.push({ key, value: this.values.get(key) });
    }
    return entries;
  }

  /** The index of the first key not below `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.sorted[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
