import type { Envelope, JournalRecord, RecordKind } from './record.ts';

/** One atomic unit of stage progress: outputs appended, cursors advanced, state replaced. */
export interface CommitBatch {
  /** The stage whose journal receives `records`. */
  readonly stage: string;
  readonly records: readonly Envelope[];
  /** Upstream journal name → last seq consumed from it. */
  readonly cursors?: Readonly<Record<string, number>>;
  /** The stage's state (stateful state, source position, sink offset); omitted = unchanged. */
  readonly state?: unknown;
  /**
   * Changes to the stage's keyed state, in the same transaction, in order (a later change to a
   * key wins): state that grows with the data (per-key counts, pending timers, join buffers)
   * is written per key, so a batch costs what it changed, not the size of the state.
   */
  readonly keyed?: readonly KeyedChange[];
}

/** A change to a stage's keyed state: `value` put under `key`, or the key deleted when `value` is undefined. */
export interface KeyedChange {
  /** Any string without U+0000. Keys sort by code point (UTF-8 byte order). */
  readonly key: string;
  readonly value?: unknown;
}

/** One entry of a stage's keyed state. */
export interface KeyedEntry {
  readonly key: string;
  readonly value: unknown;
}

/** Which entries of a stage's keyed state to scan: keys after `after` and before `before` (both exclusive). */
export interface KeyedRange {
  readonly after?: string;
  readonly before?: string;
  readonly limit: number;
}

/** The seq range a commit appended (empty when `lastSeq < firstSeq`). */
export interface CommitResult {
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/** Record counts of one journal by kind. */
export type JournalStats = Readonly<Record<RecordKind, number>>;

/** Called after a commit is visible (and, for durable stores, durable). */
export type CommitListener = (journal: string, lastSeq: number) => void;

/**
 * The journal store port. Every stage appends to its own journal and reads its upstream
 * journals after a cursor. `commit` is atomic: all of a batch or none of it. The port is
 * asynchronous so that a networked store can implement it.
 *
 * Payloads and state are plain data: JSON values (objects, arrays, strings, finite numbers,
 * booleans, null). Other types (Set, Map, Error, BigInt, functions) may not round-trip the same
 * way in every store. A batch passed to `commit` must not change until its promise settles.
 * Commits land in the order they are called, also when the caller does not wait for one to
 * resolve before the next: a commit that resolved implies that every commit called before it
 * landed or failed (a stage hands its intermediates to the store just before its batch).
 */
export interface JournalStore {
  /** A short name of the implementation, for logs ("lmdb", "memory"). */
  readonly kind: string;
  /** The last seq of a journal, 0 when empty. */
  lastSeq(journal: string): Promise<number>;
  /** Up to `limit` records with seq > `afterSeq`, in seq order. Throws JournalCorruptError on gaps. */
  read(journal: string, afterSeq: number, limit: number): Promise<readonly JournalRecord[]>;
  /** The last seq `consumer` consumed from `upstream`, 0 if none. */
  cursor(consumer: string, upstream: string): Promise<number>;
  /** The stage state last committed with its progress. */
  loadState(stage: string): Promise<unknown>;
  /** Appends, advances cursors and replaces state in one transaction; resolves once durable. */
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** The value under `key` in `stage`'s keyed state, undefined if none. */
  getKeyed(stage: string, key: string): Promise<unknown>;
  /** The values under `keys` (undefined for a key with none), in their order: one call for a batch's keys. */
  getKeyedMany(stage: string, keys: readonly string[]): Promise<readonly unknown[]>;
  /** Up to `limit` entries of `stage`'s keyed state in `range`, in key order. */
  scanKeyed(stage: string, range: KeyedRange): Promise<readonly KeyedEntry[]>;
  /** How many keys `stage`'s keyed state holds. */
  countKeyed(stage: string): Promise<number>;
  /** Record counts by kind for one journal. */
  stats(journal: string): Promise<JournalStats>;
  /** Names of the journals that hold at least one record. */
  journals(): Promise<readonly string[]>;
  /** A flow-level value (definition hash, run counter). */
  readMeta(key: string): Promise<unknown>;
  /** Writes a flow-level value durably. */
  writeMeta(key: string, value: unknown): Promise<void>;
  /** Listens for commits; returns an unsubscribe function. */
  subscribe(listener: CommitListener): () => void;
  /** Waits for pending commits and releases the store; later calls throw. */
  close(): Promise<void>;
}

/** Throws TypeError for a key the keyed state does not take (one with U+0000, or not a string). */
export function checkKeyedKey(stage: string, key: unknown): void {
  if (typeof key !== 'string' || key.includes('\u0000')) {
    throw new TypeError(`stage "${stage}": keyed state key ${JSON.stringify(key)} is not a string without U+0000`);
  }
}

/** Compares keys by code point, as a UTF-8 byte comparison would (JS `<` compares UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Zero counts for every record kind. */
export function emptyStats(): Record<RecordKind, number> {
  return { data: 0, error: 0, eof: 0, control: 0 };
}
