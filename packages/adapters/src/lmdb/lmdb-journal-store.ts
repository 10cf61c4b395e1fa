import type { Database, DatabaseOptions, RootDatabase } from 'lmdb';
import {
  ErrorCode,
  SluiceError,
  toSluiceError,
  type CommitBatch,
  type CommitListener,
  type CommitResult,
  type JournalRecord,
  type JournalStats,
  type JournalStore,
  type KeyedEntry,
  type KeyedRange,
} from '@sluice/core';
import { applyCommit, type CommitDbs, type CursorKey } from './commit-apply.ts';
import { checkDataDirectory } from './data-file-check.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { lastKey, readDense, type JournalDb } from './journal-range.ts';
import { checkFormat, openEnvironment } from './open-environment.ts';
import { observeBatchCommit, writeFailure } from './write-failure.ts';
import { KeyedDeltas, type DeltaKey } from './keyed-deltas.ts';
import { countOf, getKeyed, scanKeyed, type KeyedKey } from './keyed-state.ts';
import { toStats } from './record-codec.ts';
import { LmdbAudit } from './audit-checkpoint.ts';
import type { LmdbAuditOptions } from './audit-options.ts';

/**
 * When `commit` and `writeMeta` resolve.
 * - `'fsync'` (default): once the commit is on disk (`db.flushed`); a power loss loses nothing
 *   that resolved.
 * - `'may-lose-last-commits-on-power-loss'`: once the commit is visible, before it is flushed.
 *   A process crash loses nothing that resolved; an OS crash or power loss may roll back the
 *   last commits, never half of one, and never corrupts the environment (lmdb-js's default
 *   overlapping sync reverts to the last flushed snapshot; where it is off, i.e. Windows, LMDB's
 *   `noMetaSync` gives the same guarantee).
 */
export type LmdbDurability = 'fsync' | 'may-lose-last-commits-on-power-loss';

/** Options of {@link LmdbJournalStore.open}. */
export interface LmdbJournalStoreOptions {
  /** The flow's data directory, created if missing; `data.mdb` and `lock.mdb` live in it. */
  readonly path: string;
  /** When commits resolve; see {@link LmdbDurability}. Defaults to `'fsync'`. */
  readonly durability?: LmdbDurability;
  /**
   * Take the data directory's exclusive lock (default true; see `acquireDataDirLock`), so that
   * two runs never write one directory. `false` is for inspection beside a running flow
   * (`sluice status`, `journal`, `log`): such a store must only read.
   */
  readonly lock?: boolean;
  /**
   * A tamper-evident audit trail: every record is hash-chained in its commit and the chain
   * heads of all journals are signed with `audit.key` (Ed25519) periodically and at close;
   * `sluice audit verify` checks them. See {@link LmdbAuditOptions}.
   */
  readonly audit?: LmdbAuditOptions;
}

const DURABILITIES: readonly LmdbDurability[] = ['fsync', 'may-lose-last-commits-on-power-loss'];

/** Journal databases are `j:<journal>`; internal names have no `:`, so they never collide. */
const JOURNAL_PREFIX = 'j:';

/** lmdb-js options lmdb's types do not declare: `create`, and msgpackr's `useRecords`. */
type JournalDbOptions = DatabaseOptions & { readonly create: boolean; readonly useRecords: boolean };

/**
 * msgpack without records: lmdb-js's default (records with no shared structures) writes each
 * object's key list into every value and decodes it again per read; plain maps cost about a
 * third less to write and read. Values written either way decode the same.
 */
const JOURNAL_ENCODING = { useRecords: false } as const;

/**
 * The JournalStore port on LMDB (lmdb-js): one environment per flow data directory, one named
 * database per journal (integer keys, dense from 1) and databases for cursors, stage state,
 * flow meta and per-journal counts by kind. A commit is one child transaction inside lmdb-js's
 * batched write transaction, so commits of many stages share one fsync; a commit that fails
 * (e.g. a payload msgpack cannot encode) writes nothing and rejects with TerminalError.
 */
export class LmdbJournalStore implements JournalStore {
  /** Always `'lmdb'`. */
  readonly kind = 'lmdb';
  /** The data directory. */
  readonly path: string;
  /** When commits resolve. */
  readonly durability: LmdbDurability;
  readonly #root: RootDatabase;
  readonly #dbs: CommitDbs;
  readonly #meta: Database<unknown, string>;
  readonly #journals = new Map<string, JournalDb>();
  /** Last seq assigned per journal, commits in flight included; loaded lazily inside the txn. */
  readonly #lastSeq = new Map<string, number>();
  /**
   * With `'fsync'`, the last durable seq of each journal this process writes to. LMDB makes a
   * commit visible before it is flushed; reads stop here so that nothing leaves the process
   * (a sink delivery, an effect) on a record a power loss could still take back.
   */
  readonly #durableSeq = new Map<string, number>();
  readonly #listeners = new Set<CommitListener>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #audit: LmdbAudit | undefined;
  /** The lock while it is being taken: every call waits for it (and rejects if it was refused). */
  #locking: Promise<void> | undefined;
  #lock: DataDirLock | undefined;
  #closed = false;

  private constructor(path: string, durability: LmdbDurability, root: RootDatabase, audit?: LmdbAuditOptions) {
    this.path = path;
    this.durability = durability;
    this.#root = root;
    this.#audit = audit === undefined ? undefined : new LmdbAudit(root, path, audit);
    const keyed = root.openDB<unknown, KeyedKey>('keyed', {});
    this.#dbs = {
      cursors: root.openDB<unknown, CursorKey>('cursors', {}),
      state: root.openDB('state', {}),
      stats: root.openDB('stats', {}),
      keyed,
      keyedCounts: root.openDB('keyedCounts', {}),
      deltas: new KeyedDeltas(root.openDB<unknown, DeltaKey>('keyedDeltas', {}), codecOf(keyed), () => this.#pending.size === 0),
      ...(this.#audit === undefined ? {} : { audit: this.#audit.dbs }),
    };
    this.#meta = root.openDB('meta', {});
    checkFormat(path, root.openDB('store', {}));
  }

  /**
   * Opens (creating if needed) the store in `options.path`. Synchronous. Throws
   * JournalCorruptError naming the path when it holds something that is not an LMDB
   * environment this version can read, and SluiceError (CONFIG) for bad options or when the
   * environment cannot be opened for another reason (permissions, another store format).
   * Unless `lock` is false it starts taking the data directory's lock, which is asynchronous:
   * the first calls wait for it, and when another run holds the directory every call rejects
   * with DATA_DIR_IN_USE (nothing read or written). {@link openLocked} refuses at once.
   */
  static open(options: LmdbJournalStoreOptions): LmdbJournalStore {
    const store = LmdbJournalStore.#openEnvironment(options);
    if (options.lock !== false) store.#startLocking(acquireDataDirLock(options.path));
    return store;
  }

  /**
   * Takes the data directory's lock, then opens the store as {@link open} does: rejects with
   * SluiceError DATA_DIR_IN_USE (`data directory <path> is in use by pid N (since …)`) before
   * the environment is even opened when another run holds the directory.
   */
  static async openLocked(options: Omit<LmdbJournalStoreOptions, 'lock'>): Promise<LmdbJournalStore> {
    // A file where the directory should be is reported as open() reports it.
    checkDataDirectory(options.path);
    const lock = await acquireDataDirLock(options.path);
    try {
      const store = LmdbJournalStore.#openEnvironment(options);
      store.#lock = lock;
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  static #openEnvironment(options: LmdbJournalStoreOptions): LmdbJournalStore {
    const durability = options.durability ?? 'fsync';
    if (!DURABILITIES.includes(durability)) {
      throw new SluiceError(
        ErrorCode.Config,
        `journal store: unknown durability "${durability}" (use ${DURABILITIES.join(' or ')})`,
      );
    }
    const root = openEnvironment(options.path, durability !== 'fsync');
    try {
      return new LmdbJournalStore(options.path, durability, root, options.audit);
    } catch (error) {
      void root.close();
      throw toSluiceError(error);
    }
  }

  #startLocking(acquiring: Promise<DataDirLock>): void {
    const locking = acquiring.then((lock) => {
      this.#lock = lock;
      this.#locking = undefined;
    });
    // Rejections reach the callers; a store nobody calls must not raise an unhandled one.
    locking.catch(() => undefined);
    this.#locking = locking;
  }

  /** The last seq committed to `journal`, 0 when it is empty. */
  lastSeq(journal: string): Promise<number> {
    return this.#now(() => {
      const db = this.#journalDb(journal, false);
      return db === undefined ? 0 : lastKey(db);
    });
  }

  /** Up to `limit` records after `afterSeq`; throws JournalCorruptError on a gap or bad value. */
  read(journal: string, afterSeq: number, limit: number): Promise<readonly JournalRecord[]> {
    return this.#now(() => {
      const durable = this.#durableSeq.get(journal);
      const visible = durable === undefined ? limit : Math.min(limit, durable - afterSeq);
      const db = visible > 0 ? this.#journalDb(journal, false) : undefined;
      return db === undefined ? [] : readDense(db, journal, afterSeq, visible);
    });
  }

  /** The last seq `consumer` committed as consumed from `upstream`, 0 if none. */
  cursor(consumer: string, upstream: string): Promise<number> {
    return this.#now(() => {
      const seq = this.#dbs.cursors.get([consumer, upstream]);
      return typeof seq === 'number' ? seq : 0;
    });
  }

  /** The state last committed by `stage`, undefined if none. */
  loadState(stage: string): Promise<unknown> {
    return this.#now(() => this.#dbs.state.get(stage));
  }

  /**
   * Appends the records (seq lastSeq+1…), writes the cursors and, when given, the state, and
   * counts the records by kind, in one transaction; resolves per `durability`, then notifies
   * subscribers. Rejects with TerminalError, writing nothing, if any value cannot be stored, and
   * with SluiceError STORE_WRITE naming the data directory when its disk is full or fails.
   * The batch is read when the transaction runs, after this returns: leave it unchanged until
   * the promise settles.
   */
  commit(batch: CommitBatch): Promise<CommitResult> {
    return this.#track(() => {
      let committing: Promise<CommitResult>;
      try {
        this.#watchDurability(batch.stage);
        committing = this.#apply(batch);
      } catch (error) {
        committing = Promise.reject(toSluiceError(error, { stage: batch.stage }));
      }
      // Only the stage name outlives the transaction: the records are garbage once written.
      return this.#settle(batch.stage, committing, this.#flushedNow());
    });
  }

  /** The value under `key` in `stage`'s keyed state, undefined if none. */
  getKeyed(stage: string, key: string): Promise<unknown> {
    return this.#now(() => getKeyed(this.#dbs, stage, key));
  }

  /** The values under `keys` in `stage`'s keyed state, in one read. */
  getKeyedMany(stage: string, keys: readonly string[]): Promise<readonly unknown[]> {
    return this.#now(() => keys.map((key) => getKeyed(this.#dbs, stage, key)));
  }

  /** Up to `range.limit` entries of `stage`'s keyed state in `range`, in key order (UTF-8 bytes). */
  scanKeyed(stage: string, range: KeyedRange): Promise<readonly KeyedEntry[]> {
    return this.#now(() => scanKeyed(this.#dbs, stage, range));
  }

  /** How many keys `stage`'s keyed state holds. */
  countKeyed(stage: string): Promise<number> {
    return this.#now(() => countOf(this.#dbs, stage));
  }

  /** Record counts by kind of `journal`. */
  stats(journal: string): Promise<JournalStats> {
    return this.#now(() => toStats(journal, this.#dbs.stats.get(journal)));
  }

  /** Names of the journals holding at least one record, sorted. */
  journals(): Promise<readonly string[]> {
    return this.#now(() => {
      const names: string[] = [];
      for (const { key, value } of this.#dbs.stats.getRange()) {
        const counts = Object.values(toStats(key, value));
        if (counts.some((count) => count > 0)) names.push(key);
      }
      return names.sort();
    });
  }

  /** A flow-level value, undefined if never written. */
  readMeta(key: string): Promise<unknown> {
    return this.#now(() => this.#meta.get(key));
  }

  /** Writes a flow-level value; resolves per `durability`; rejects as `commit` does on a full disk. */
  writeMeta(key: string, value: unknown): Promise<void> {
    return this.#track(async () => {
      try {
        await this.#meta.put(key, value);
        await this.#durable();
      } catch (error) {
        throw toSluiceError(await writeFailure(this.path, error));
      }
    });
  }

  /** Calls `listener(journal, lastSeq)` after each commit resolves; returns the unsubscribe. */
  subscribe(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Waits for commits in flight, closes the environment and releases the data directory's
   * lock; later calls reject (STORE_CLOSED).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#pending, this.#locking]);
    this.#listeners.clear();
    try {
      // The final checkpoint signs every head; a failure still closes the environment.
      try {
        await this.#audit?.close();
      } finally {
        await this.#root.close();
      }
    } finally {
      await this.#lock?.release();
    }
  }

  /** Waits for a queued commit to land and, per `durability`, to be flushed; then notifies. */
  async #settle(
    stage: string,
    committing: Promise<CommitResult>,
    durable: Promise<void> | undefined,
  ): Promise<CommitResult> {
    let result: CommitResult;
    try {
      result = await committing;
    } catch (error) {
      // The caches may hold seqs and keyed deltas of a transaction that did not commit: reload them from the db.
      this.#lastSeq.clear();
      this.#dbs.deltas.invalidate();
      throw toSluiceError(await writeFailure(this.path, error), { stage });
    }
    await durable;
    if (this.durability === 'fsync') {
      this.#durableSeq.set(stage, Math.max(this.#durableSeq.get(stage) ?? 0, result.lastSeq));
    }
    const listeners = [...this.#listeners];
    queueMicrotask(() => {
      for (const listener of listeners) listener(stage, result.lastSeq);
    });
    return result;
  }

  /** Before a journal's first commit in this process, everything it holds is durable. */
  #watchDurability(journal: string): void {
    if (this.durability !== 'fsync' || this.#durableSeq.has(journal)) return;
    const db = this.#journalDb(journal, false);
    this.#durableSeq.set(journal, db === undefined ? 0 : lastKey(db));
  }

  /** Queues the commit's child transaction. */
  #apply(batch: CommitBatch): Promise<CommitResult> {
    const db = this.#journalDb(batch.stage, true);
    const committing = this.#root.childTransaction(() => applyCommit(this.#dbs, this.#lastSeq, db, batch));
    observeBatchCommit(this.#root);
    this.#audit?.committed();
    return committing;
  }

  /** Resolves when everything committed so far is as durable as `durability` promises. */
  async #durable(): Promise<void> {
    if (this.durability === 'fsync') await this.#root.flushed;
  }

  /**
   * With `'fsync'`, a promise for the flush of every write queued so far, the transaction just
   * queued included (undefined otherwise). lmdb-js's `flushed` covers the writes queued when
   * its `then` is called, so it is called now: called after the commit resolves, it would also
   * wait for the transactions other stages queued meanwhile, one more commit per hop.
   */
  #flushedNow(): Promise<void> | undefined {
    if (this.durability !== 'fsync') return undefined;
    const flushed = this.#root.flushed;
    const durable = new Promise<void>((resolve, reject) => {
      void flushed.then(() => resolve(), reject);
    });
    // Awaited by the caller once the commit resolves; never an unhandled rejection meanwhile.
    durable.catch(() => undefined);
    return durable;
  }

  #journalDb(journal: string, create: true): JournalDb;
  #journalDb(journal: string, create: false): JournalDb | undefined;
  #journalDb(journal: string, create: boolean): JournalDb | undefined {
    let db = this.#journals.get(journal);
    if (db === undefined) {
      // openDB returns undefined for a missing database opened with `create: false`.
      const options: JournalDbOptions = { create, ...JOURNAL_ENCODING };
      const opened = this.#root.openDB<unknown, number>(JOURNAL_PREFIX + journal, options) as
        JournalDb | undefined;
      if (opened === undefined) return undefined;
      db = opened;
      this.#journals.set(journal, db);
    }
    return db;
  }

  /**
   * Runs a synchronous read, turning a throw (or a closed store) into a rejection. While the
   * lock is being taken it waits for it, tracked so that a `close` called meanwhile lets it run.
   */
  #now<T>(read: () => T): Promise<T> {
    const attempt = (): Promise<T> => {
      try {
        return Promise.resolve(read());
      } catch (error) {
        return Promise.reject(toSluiceError(error));
      }
    };
    if (this.#locking !== undefined) return this.#track(attempt);
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(toSluiceError(error));
    }
    return attempt();
  }

  /** Runs a write (after the lock), remembering it until it settles so that `close` can wait for it. */
  #track<T>(write: () => Promise<T>): Promise<T> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(toSluiceError(error));
    }
    const running = this.#locking === undefined ? write() : this.#locking.then(write);
    this.#pending.add(running);
    const forget = (): void => {
      this.#pending.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SluiceError(ErrorCode.StoreClosed, `LMDB journal store ${this.path} is closed`);
    }
  }
}

/** The msgpack codec lmdb-js gave `db`, encoding into a buffer of its own (the encoder may reuse its buffer). */
function codecOf(db: Database<unknown, KeyedKey>): { encode(value: unknown): Uint8Array; decode(bytes: Uint8Array): unknown } {
  // lmdb-js has them on every database; its typings leave them out.
  const codecs = db as unknown as { encoder: { encode(value: unknown): Uint8Array }; decoder?: { decode(bytes: Uint8Array): unknown } };
  const encoder = codecs.encoder;
  const decoder = codecs.decoder ?? (codecs.encoder as unknown as { decode(bytes: Uint8Array): unknown });
  return { encode: (value) => new Uint8Array(encoder.encode(value)), decode: (bytes) => decoder.decode(bytes) };
}
