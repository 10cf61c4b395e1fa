import type { JournalRecord, RecordKind } from '@sluice/core';

/**
 * A journal record as store format 1 wrote it: an object with short keys, the kind as a small
 * integer, the lineage as a `[stage, seq]` pair. Still read; no longer written.
 */
interface LegacyRecord {
  readonly k: number;
  readonly at: number;
  readonly p: unknown;
  readonly c?: readonly [string, number];
  readonly port?: number;
}

/** The record a format-1 value holds, or undefined when `value` is not one. */
export function fromLegacy(
  seq: number,
  value: object,
  kinds: readonly RecordKind[],
): JournalRecord | undefined {
  const stored = value as Partial<LegacyRecord>;
  const kind = typeof stored.k === 'number' ? kinds[stored.k] : undefined;
  if (kind === undefined || typeof stored.at !== 'number') return undefined;
  const record: { -readonly [K in keyof JournalRecord]: JournalRecord[K] } = {
    seq,
    kind,
    at: stored.at,
    payload: stored.p,
  };
  const { c, port } = stored;
  if (c !== undefined) {
    if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[1] !== 'number') return undefined;
    record.cause = { stage: c[0], seq: c[1] };
  }
  if (port !== undefined) {
    if (typeof port !== 'number') return undefined;
    record.port = port;
  }
  return record;
}
