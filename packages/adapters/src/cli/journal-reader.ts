import type { JournalRecord, JournalStore, RecordKind } from '@sluice/core';
import { SYSTEM_JOURNAL, lastActivity, toActivity, type ActivityRecord } from '@sluice/runtime';

const CHUNK = 1000;

/** Records of `journal` with seq in `[from, from + limit)`, read in chunks, in order. */
export async function* readRange(
  store: JournalStore,
  journal: string,
  from: number,
  limit: number,
): AsyncGenerator<JournalRecord> {
  let after = Math.max(from, 1) - 1;
  let left = limit;
  while (left > 0) {
    const records = await store.read(journal, after, Math.min(CHUNK, left));
    if (records.length === 0) return;
    for (const record of records) yield record;
    left -= records.length;
    after = records[records.length - 1]?.seq ?? after;
  }
}

/** What {@link readKind} reads: records of `kind` from seq `from`, at most `limit` of them. */
export interface KindRange {
  readonly from: number;
  readonly limit: number;
  readonly kind: RecordKind;
}

/**
 * Records of one kind (e.g. the error lane) with seq ≥ `from`, at most `limit` of them, in
 * order. Read from the start, it stops once it has seen as many as the store counts for that
 * kind, so a small error lane is found without reading the rest of a long journal.
 */
export async function* readKind(store: JournalStore, journal: string, range: KindRange): AsyncGenerator<JournalRecord> {
  const counted = range.from <= 1 ? (await store.stats(journal))[range.kind] : Number.MAX_SAFE_INTEGER;
  let left = Math.min(range.limit, counted);
  if (left <= 0) return;
  for await (const record of readRange(store, journal, range.from, Number.MAX_SAFE_INTEGER)) {
    if (record.kind !== range.kind) continue;
    yield record;
    left -= 1;
    if (left === 0) return;
  }
}

/** The last `limit` records of one kind, in seq order, searching back from the end in chunks. */
export async function lastOfKind(store: JournalStore, journal: string, kind: RecordKind, limit: number): Promise<JournalRecord[]> {
  const found: JournalRecord[] = [];
  let end = await store.lastSeq(journal);
  while (end > 0 && found.length < limit) {
    const start = Math.max(end - CHUNK, 0);
    const records = await store.read(journal, start, end - start);
    for (let i = records.length - 1; i >= 0 && found.length < limit; i -= 1) {
      const record = records[i];
      if (record?.kind === kind) found.push(record);
    }
    end = start;
  }
  return found.reverse();
}

/** The activity log's records, as activity records. */
export async function* readActivity(store: JournalStore, from = 1, limit = Number.MAX_SAFE_INTEGER): AsyncGenerator<ActivityRecord> {
  for await (const record of readRange(store, SYSTEM_JOURNAL, from, limit)) yield toActivity(record);
}

// One reading of the activity log for the CLI and the runtime's data-directory inspection.
export { lastActivity, toActivity };
