import {
  ErrorCode,
  JournalCorruptError,
  TerminalError,
  emptyStats,
  type Envelope,
  type JournalRecord,
  type JournalStats,
  type RecordKind,
} from '@sluice/core';

/**
 * A journal record as stored (lmdb-js encodes it with msgpack): short keys, the kind as a small
 * integer, the lineage as a `[stage, seq]` pair. `seq` is the key, not part of the value.
 */
export interface StoredRecord {
  readonly k: number;
  readonly at: number;
  readonly p: unknown;
  readonly c?: readonly [string, number];
  readonly port?: number;
}

const KIND_CODE: Readonly<Record<RecordKind, number>> = { data: 0, error: 1, eof: 2, control: 3 };
const KIND_OF_CODE: readonly RecordKind[] = ['data', 'error', 'eof', 'control'];

/** The stored form of an envelope; throws TerminalError for a kind outside RecordKind. */
export function toStored(envelope: Envelope, stage: string): StoredRecord {
  const k = KIND_CODE[envelope.kind] as number | undefined;
  if (k === undefined) {
    throw new TerminalError(ErrorCode.MalformedInput, `unknown record kind "${envelope.kind}"`, {
      stage,
    });
  }
  const { cause, port } = envelope;
  if (cause === undefined) {
    return port === undefined
      ? { k, at: envelope.at, p: envelope.payload }
      : { k, at: envelope.at, p: envelope.payload, port };
  }
  const c = [cause.stage, cause.seq] as const;
  return port === undefined
    ? { k, at: envelope.at, p: envelope.payload, c }
    : { k, at: envelope.at, p: envelope.payload, c, port };
}

/** The JournalRecord at `seq` of `journal`; throws JournalCorruptError if `value` is not one. */
export function fromStored(journal: string, seq: number, value: unknown): JournalRecord {
  if (typeof value !== 'object' || value === null) throw notARecord(journal, seq);
  const stored = value as Partial<StoredRecord>;
  const kind = typeof stored.k === 'number' ? KIND_OF_CODE[stored.k] : undefined;
  if (kind === undefined || typeof stored.at !== 'number') throw notARecord(journal, seq);
  const record: { -readonly [K in keyof JournalRecord]: JournalRecord[K] } = {
    seq,
    kind,
    at: stored.at,
    payload: stored.p,
  };
  const { c, port } = stored;
  if (c !== undefined) {
    if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[1] !== 'number') {
      throw notARecord(journal, seq);
    }
    record.cause = { stage: c[0], seq: c[1] };
  }
  if (port !== undefined) {
    if (typeof port !== 'number') throw notARecord(journal, seq);
    record.port = port;
  }
  return record;
}

/** Stats as stored, or zero counts; a stored value that is not counts reads as corrupt. */
export function toStats(journal: string, value: unknown): Record<RecordKind, number> {
  const stats = emptyStats();
  if (value === undefined) return stats;
  if (typeof value !== 'object' || value === null) {
    throw new JournalCorruptError(`journal "${journal}": its stats entry is not a set of counts`, {
      stage: journal,
    });
  }
  const stored = value as Partial<JournalStats>;
  for (const kind of KIND_OF_CODE) {
    const count = stored[kind];
    if (typeof count === 'number') stats[kind] = count;
  }
  return stats;
}

function notARecord(journal: string, seq: number): JournalCorruptError {
  return new JournalCorruptError(
    `journal "${journal}" seq ${seq}: the stored value is not a record`,
    {
      stage: journal,
      seq,
    },
  );
}
