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
import { fromLegacy } from './legacy-record.ts';

/**
 * A journal record as stored (store format 2): a msgpack array, so that no keys or record
 * definitions are encoded per record — `[kind, at, payload]`, plus `[…, causeStage, causeSeq]`
 * with lineage, plus `[…, port]` for a route output (cause slots `null` when it has none), plus
 * `[…, time, watermark]` for a record with event time (slots `null` where absent).
 * The kind is a small integer; `seq` is the key, not part of the value.
 */
export type StoredRecord =
  | readonly [kind: number, at: number, payload: unknown]
  | readonly [kind: number, at: number, payload: unknown, causeStage: string, causeSeq: number]
  | readonly [
      kind: number,
      at: number,
      payload: unknown,
      causeStage: string | null,
      causeSeq: number | null,
      port: number,
    ]
  | readonly [
      kind: number,
      at: number,
      payload: unknown,
      causeStage: string | null,
      causeSeq: number | null,
      port: number | null,
      time: number | null,
      watermark: number | null,
    ];

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
  const { at, payload, cause, port, time, watermark } = envelope;
  if (time !== undefined || watermark !== undefined) {
    return [k, at, payload, cause?.stage ?? null, cause?.seq ?? null, port ?? null, time ?? null, watermark ?? null];
  }
  if (port !== undefined) {
    return [k, at, payload, cause?.stage ?? null, cause?.seq ?? null, port];
  }
  return cause === undefined ? [k, at, payload] : [k, at, payload, cause.stage, cause.seq];
}

/**
 * The JournalRecord at `seq` of `journal`; throws JournalCorruptError if `value` is not one.
 * Reads both the current array form and format 1's objects.
 */
export function fromStored(journal: string, seq: number, value: unknown): JournalRecord {
  if (typeof value !== 'object' || value === null) throw notARecord(journal, seq);
  const record = Array.isArray(value)
    ? fromArray(seq, value as readonly unknown[])
    : fromLegacy(seq, value, KIND_OF_CODE);
  if (record === undefined) throw notARecord(journal, seq);
  return record;
}

function fromArray(seq: number, value: readonly unknown[]): JournalRecord | undefined {
  if (value.length === 8) return fromTimed(seq, value);
  const [k, at, payload, causeStage, causeSeq, port] = value;
  const kind = typeof k === 'number' ? KIND_OF_CODE[k] : undefined;
  if (kind === undefined || typeof at !== 'number') return undefined;
  switch (value.length) {
    case 3:
      return { seq, kind, at, payload };
    case 5:
      if (typeof causeStage !== 'string' || typeof causeSeq !== 'number') return undefined;
      return { seq, kind, at, payload, cause: { stage: causeStage, seq: causeSeq } };
    case 6:
      if (typeof port !== 'number') return undefined;
      if (typeof causeStage === 'string' && typeof causeSeq === 'number') {
        return { seq, kind, at, payload, cause: { stage: causeStage, seq: causeSeq }, port };
      }
      return causeStage === null && causeSeq === null ? { seq, kind, at, payload, port } : undefined;
    default:
      return undefined;
  }
}

function numberOrNull(value: unknown): boolean {
  return value === null || typeof value === 'number';
}

/** The 8-slot form: any of cause, port, time and watermark may be null. */
function fromTimed(seq: number, value: readonly unknown[]): JournalRecord | undefined {
  const [k, at, payload, causeStage, causeSeq, port, time, watermark] = value;
  const kind = typeof k === 'number' ? KIND_OF_CODE[k] : undefined;
  if (kind === undefined || typeof at !== 'number') return undefined;
  if (!numberOrNull(port) || !numberOrNull(time) || !numberOrNull(watermark)) return undefined;
  const withCause = typeof causeStage === 'string' && typeof causeSeq === 'number';
  if (!withCause && !(causeStage === null && causeSeq === null)) return undefined;
  return {
    seq,
    kind,
    at,
    payload,
    ...(withCause ? { cause: { stage: causeStage, seq: causeSeq } } : {}),
    ...(typeof port === 'number' ? { port } : {}),
    ...(typeof time === 'number' ? { time } : {}),
    ...(typeof watermark === 'number' ? { watermark } : {}),
  };
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
