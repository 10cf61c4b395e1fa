import { asBinary, type Database } from 'lmdb';
import { compareKeys } from '@sluice/core';

/** Keys of the delta log: the stage, then the delta's number (increasing per stage). */
export type DeltaKey = [stage: string, n: number];

/** One commit's keyed changes as stored: puts (key, the value as the table encodes it) and deleted keys. */
interface StoredDelta {
  readonly put: readonly (readonly [string, Uint8Array])[];
  readonly del: readonly string[];
}

/** A key deleted by a pending delta. */
const DELETED = Symbol('deleted');

/** An encoder as lmdb-js gives each database (msgpackr). */
interface Codec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/** One stage's deltas not yet merged into the per-key table: the latest change per key, encoded. */
export interface StageDeltas {
  /** Per key, its encoded value, or DELETED. */
  readonly entries: Map<string, Uint8Array | typeof DELETED>;
  /** Numbers of the stage's delta records, in order. */
  readonly numbers: number[];
  /** The keys of `entries` sorted, until the next append. */
  sorted: string[] | undefined;
}

/**
 * Keyed changes written as one delta record per commit (in the commit's transaction) instead of
 * one B-tree put per key: a batch of random keys dirtied a page per key, so its commit cost grew
 * with the keys, not the batch. The deltas of a stage are merged into the per-key table in key
 * order, in the transaction of a later commit, once they hold enough keys (LSM-style); until then
 * reads consult them first. In memory they are a cache of the delta records: rebuilt from the
 * database whenever a transaction may not have committed what the cache holds.
 */
export class KeyedDeltas {
  #stages = new Map<string, StageDeltas>();
  /** Since an invalidation, until no commit is in flight: a transaction may have run, uncommitted, against the dropped cache. */
  #stale = false;

  /**
   * @param quiet whether no commit is in flight: after an invalidation, only then may a read
   * outside a transaction cache what it loaded (a transaction that ran but has not committed yet
   * would be missing from it). Before any invalidation a read may: every transaction that ran
   * for the stage would have loaded the cache first.
   */
  constructor(
    private readonly db: Database<unknown, DeltaKey>,
    private readonly codec: Codec,
    private readonly quiet: () => boolean,
  ) {}

  /**
   * The stage's pending deltas, loaded from the database the first time (or after
   * `invalidate`); `inTransaction` when called from a commit's transaction.
   */
  of(stage: string, inTransaction = true): StageDeltas {
    let found = this.#stages.get(stage);
    if (found === undefined) {
      found = { entries: new Map(), numbers: [], sorted: undefined };
      for (const { key, value } of this.db.getRange({ start: [stage, 0], end: [stage, Number.MAX_SAFE_INTEGER] })) {
        found.numbers.push(key[1]);
        const delta = value as StoredDelta;
        for (const [name, bytes] of delta.put) found.entries.set(name, bytes);
        for (const name of delta.del) found.entries.set(name, DELETED);
      }
      if (this.#stale && this.quiet()) this.#stale = false;
      if (inTransaction || !this.#stale) this.#stages.set(stage, found);
    }
    return found;
  }

  /** Forgets the cache: a transaction failed, so what it held may not be in the database. */
  invalidate(): void {
    this.#stages = new Map();
    this.#stale = true;
  }

  /** The pending state of `key`: undefined when no delta has it, DELETED, or its value. */
  lookup(stage: string, key: string): { readonly value: unknown } | typeof DELETED | undefined {
    const entry = this.of(stage, false).entries.get(key);
    if (entry === undefined || entry === DELETED) return entry;
    return { value: this.codec.decode(entry) };
  }

  /**
   * Writes one delta record for `changes` (the latest per key) and adds them to the cache; must
   * run inside the commit's write transaction. Values are encoded first: one that cannot be
   * stored throws before anything changes.
   */
  append(stage: string, changes: ReadonlyMap<string, unknown>): void {
    const encoded = new Map<string, Uint8Array | typeof DELETED>();
    const put: [string, Uint8Array][] = [];
    const del: string[] = [];
    for (const [key, value] of changes) {
      if (value === undefined) {
        del.push(key);
        encoded.set(key, DELETED);
      } else {
        const bytes = this.codec.encode(value);
        put.push([key, bytes]);
        encoded.set(key, bytes);
      }
    }
    const pending = this.of(stage);
    const n = (pending.numbers.at(-1) ?? 0) + 1;
    this.db.putSync([stage, n], { put, del } satisfies StoredDelta);
    pending.numbers.push(n);
    // A stage that scans every batch (windows, delays) must not sort all its pending keys each time.
    if (pending.sorted !== undefined) pending.sorted = mergeSorted(pending.sorted, [...encoded.keys()].filter((key) => !pending.entries.has(key)).sort(compareKeys));
    for (const [key, entry] of encoded) pending.entries.set(key, entry);
  }

  /**
   * Moves the stage's pending changes into `table` and deletes its delta records;
   * must run inside a write transaction.
   */
  merge(stage: string, table: Database<unknown, [string, string]>): void {
    const pending = this.of(stage);
    // In no particular order: sorting cost more than the locality gained (measured).
    for (const [key, entry] of pending.entries) {
      if (entry === DELETED) table.removeSync([stage, key]);
      // Already encoded as the table encodes: stored as it is.
      else table.putSync([stage, key], asBinary(entry));
    }
    for (const n of pending.numbers) this.db.removeSync([stage, n]);
    this.#stages.set(stage, { entries: new Map(), numbers: [], sorted: [] });
  }

  /** The stage's pending entries with keys in (after, before), in key order, read lazily. */
  *range(stage: string, after: string | undefined, before: string | undefined): Generator<[string, Uint8Array | typeof DELETED]> {
    const pending = this.of(stage, false);
    pending.sorted ??= [...pending.entries.keys()].sort(compareKeys);
    const keys = pending.sorted;
    for (let i = after === undefined ? 0 : firstAfter(keys, after); i < keys.length; i++) {
      const key = keys[i] ?? '';
      if (before !== undefined && compareKeys(key, before) >= 0) return;
      const entry = pending.entries.get(key);
      if (entry !== undefined) yield [key, entry];
    }
  }

  /** Decodes a pending value. */
  decode(entry: Uint8Array): unknown {
    return this.codec.decode(entry);
  }
}

/** Whether `entry` is a deletion. */
export function isDeleted(entry: unknown): entry is typeof DELETED {
  return entry === DELETED;
}


/** The index of the first of sorted `keys` after `after`. */
function firstAfter(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid] ?? '', after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two sorted key lists as one. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return a as string[];
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(compareKeys(a[i] ?? '', b[j] ?? '') <= 0 ? (a[i++] ?? '') : (b[j++] ?? ''));
  while (i < a.length) merged.push(a[i++] ?? '');
  while (j < b.length) merged.push(b[j++] ?? '');
  return merged;
}
