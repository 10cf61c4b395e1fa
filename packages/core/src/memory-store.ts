import { ErrorCode, SluiceError, TerminalError, errorMessage } from './errors.ts';
import type { Envelope, JournalRecord, RecordKind } from './record.ts';
import { KeyedTable } from './memory-keyed.ts';
import {
  checkKeyedKey,
  emptyStats,
  type CommitBatch,
  type CommitListener,
  type CommitResult,
  type JournalStats,
  type JournalStore,
  type KeyedChange,
} from './store.ts';

interface MemoryJournal {
  readonly records: JournalRecord[];
  readonly stats: Record<RecordKind, number>;
}

/**
 * An in-memory JournalStore: the same contract as the LMDB store, nothing durable.
 * Records are frozen copies so a handler cannot change what was committed.
 */
export function createMemoryJournalStore(): JournalStore {
  const journals = new Map<string, MemoryJournal>();
  const cursors = new Map<string, number>();
  const states = new Map<string, unknown>();
  const meta = new Map<string, unknown>();
  const keyed = new Map<string, KeyedTable>();
  const table = (stage: string): KeyedTable => {
    let found = keyed.get(stage);
    if (found === undefined) keyed.set(stage, (found = new KeyedTable()));
    return found;
  };
  const listeners = new Set<CommitListener>();
  let closed = false;

  const journal = (name: string): MemoryJournal => {
    let found = journals.get(name);
    if (found === undefined) {
      found = { records: [], stats: emptyStats() };
      journals.set(name, found);
    }
    return found;
  };
  const open = (): void => {
    if (closed) throw new SluiceError(ErrorCode.StoreClosed, 'memory journal store is closed');
  };

  return {
    kind: 'memory',
    lastSeq: (name) => {
      open();
      return Promise.resolve(journals.get(name)?.records.length ?? 0);
    },
    read: (name, afterSeq, limit) => {
      open();
      const records = journals.get(name)?.records ?? [];
      return Promise.resolve(records.slice(afterSeq, afterSeq + limit));
    },
    cursor: (consumer, upstream) => {
      open();
      return Promise.resolve(cursors.get(`${consumer}\u0000${upstream}`) ?? 0);
    },
    loadState: (stage) => {
      open();
      return Promise.resolve(clone(states.get(stage)));
    },
    commit: (batch: CommitBatch): Promise<CommitResult> => {
      try {
        open();
        const target = journal(batch.stage);
        const firstSeq = target.records.length + 1;
        // Copy everything first: a payload that cannot be stored must leave nothing behind.
        const { records, state, changes } = copyBatch(batch, firstSeq);
        for (const record of records) {
          target.records.push(record);
          target.stats[record.kind] += 1;
        }
        for (const [upstream, seq] of Object.entries(batch.cursors ?? {})) {
          cursors.set(`${batch.stage}\u0000${upstream}`, seq);
        }
        if (state !== undefined) states.set(batch.stage, state);
        if (changes.length > 0) table(batch.stage).apply(changes);
        const lastSeq = target.records.length;
        // Notify after the caller's await resumes, as a real store would.
        queueMicrotask(() => {
          for (const listener of listeners) listener(batch.stage, lastSeq);
        });
        return Promise.resolve({ firstSeq, lastSeq });
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    getKeyed: (stage, key) => {
      open();
      return Promise.resolve(clone(keyed.get(stage)?.get(key)));
    },
    getKeyedMany: (stage, keys) => {
      open();
      const table = keyed.get(stage);
      return Promise.resolve(keys.map((key) => clone(table?.get(key))));
    },
    scanKeyed: (stage, range) => {
      open();
      return Promise.resolve((keyed.get(stage)?.scan(range) ?? []).map(({ key, value }) => ({ key, value: clone(value) })));
    },
    countKeyed: (stage) => {
      open();
      return Promise.resolve(keyed.get(stage)?.size ?? 0);
    },
    stats: (name): Promise<JournalStats> => {
      open();
      return Promise.resolve({ ...(journals.get(name)?.stats ?? emptyStats()) });
    },
    journals: () => {
      open();
      const names = [...journals].filter(([, j]) => j.records.length > 0).map(([name]) => name);
      return Promise.resolve(names.sort());
    },
    readMeta: (key) => {
      open();
      return Promise.resolve(clone(meta.get(key)));
    },
    writeMeta: (key, value) => {
      open();
      meta.set(key, clone(value));
      return Promise.resolve();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      closed = true;
      listeners.clear();
      return Promise.resolve();
    },
  };
}

/**
 * The batch's records and state, copied; a value the port does not accept (a function, a
 * cycle) is the batch's fault, not the store's: TerminalError MALFORMED_INPUT, as LMDB does.
 */
function copyBatch(batch: CommitBatch, firstSeq: number): { records: JournalRecord[]; state: unknown; changes: KeyedChange[] } {
  try {
    const records = batch.records.map((record, i) => freezeRecord(record, firstSeq + i));
    const changes = (batch.keyed ?? []).map(({ key, value }) => {
      checkKeyedKey(batch.stage, key);
      return value === undefined ? { key } : { key, value: clone(value) };
    });
    return { records, state: batch.state === undefined ? undefined : clone(batch.state), changes };
  } catch (error) {
    throw new TerminalError(ErrorCode.MalformedInput, `stage "${batch.stage}": ${errorMessage(error)}`, { stage: batch.stage, cause: error });
  }
}

function freezeRecord(record: Envelope, seq: number): JournalRecord {
  return Object.freeze({ ...record, seq, payload: clone(record.payload) });
}

/** Nesting deeper than this is refused (and so is a cycle, which would never end). */
const MAX_DEPTH = 1000;

/**
 * A deep copy of stored data. Primitives, arrays and plain objects — what the port accepts —
 * are copied by hand, an order of magnitude cheaper than `structuredClone` for small records;
 * anything else (Date, Map, typed arrays, class instances) goes through `structuredClone`.
 * A function or symbol throws, as `structuredClone` would, and so does a cycle.
 */
function clone<T>(value: T): T {
  return copy(value, 0) as T;
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`a ${typeof value} cannot be stored`);
    }
    return value;
  }
  if (depth > MAX_DEPTH) {
    throw new TypeError(`a value nested deeper than ${String(MAX_DEPTH)} levels (or a cycle) cannot be stored`);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = copy(value[i], depth + 1);
    return items;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const source = value as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const key in source) {
    if (Object.hasOwn(source, key)) fields[key] = copy(source[key], depth + 1);
  }
  return fields;
}
