/** An Idempotency-Key with the first and last seq of the records its request appended. */
export type KeyEntry = readonly [key: string, first: number, last: number];

/**
 * The most recent Idempotency-Keys and their seqs, oldest evicted first once `limit` is
 * reached. It is part of the source's position, so it is committed with every batch and a
 * restart remembers exactly the keys whose records are in the journal.
 */
export class RecentKeys {
  readonly #limit: number;
  readonly #keys = new Map<string, readonly [number, number]>();

  constructor(limit: number, entries: readonly KeyEntry[] = []) {
    this.#limit = limit;
    for (const [key, first, last] of entries) this.set(key, first, last);
  }

  /** The seqs of `key`'s records, if it is remembered. */
  get(key: string): readonly [number, number] | undefined {
    return this.#keys.get(key);
  }

  /** Remembers (or corrects) `key`'s seqs; a new key may evict the oldest. */
  set(key: string, first: number, last: number): void {
    const known = this.#keys.has(key);
    this.#keys.set(key, [first, last]);
    if (known || this.#keys.size <= this.#limit) return;
    const oldest = this.#keys.keys().next();
    if (oldest.done !== true) this.#keys.delete(oldest.value);
  }

  /** The entries, oldest first: the position's form. */
  entries(): KeyEntry[] {
    return Array.from(this.#keys, ([key, [first, last]]) => [key, first, last] as const);
  }
}
