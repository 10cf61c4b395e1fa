/**
 * Committed key states of a keyed stage in memory, in two generations: new and used keys go to
 * the young one; when it is full it becomes the old one and the old one is dropped, and a key
 * found in the old one moves back. Every operation is O(1): no per-key least-recently-used
 * bookkeeping (deleting a Map's oldest entries one by one leaves holes its iteration walks over).
 *
 * While nothing has been dropped since the cache was filled with every committed state
 * ({@link KeyCache.fill}), it is complete: a key it lacks has no committed state, so the stage
 * need not ask the store (a point read of a missing key costs as much as one of a present key).
 */
export class KeyCache {
  private young = new Map<string, unknown>();
  private old = new Map<string, unknown>();
  #complete = false;

  /** @param limit keys per generation: up to twice this many are held. */
  constructor(private readonly limit: number) {}

  /** Whether a key missing here has no committed state. */
  get complete(): boolean {
    return this.#complete;
  }

  /** How many keys can be held before any is dropped (so a stage that holds fewer can be loaded whole). */
  get capacity(): number {
    return 2 * this.limit - 1;
  }

  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** The state of `key` (undefined: none, or deleted). */
  get(key: string): unknown {
    if (this.young.has(key)) return this.young.get(key);
    const state = this.old.get(key);
    if (this.old.has(key)) this.set(key, state);
    return state;
  }

  set(key: string, state: unknown): void {
    this.young.set(key, state);
    if (this.young.size < this.limit) return;
    if (this.old.size > 0) this.#complete = false;
    this.old = this.young;
    this.young = new Map();
  }

  /** Empties the cache; it is no longer complete. */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.#complete = false;
  }

  /** Empties the cache, then holds `entries` (every committed state) and is complete. */
  fill(entries: Iterable<readonly [string, unknown]>): void {
    this.clear();
    for (const [key, state] of entries) this.set(key, state);
    this.#complete = true;
  }
}
