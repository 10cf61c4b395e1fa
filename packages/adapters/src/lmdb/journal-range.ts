import type { Database } from 'lmdb';
import { JournalCorruptError, SluiceError, type JournalRecord } from '@sluice/core';
import { fromStored } from './record-codec.ts';

/** A journal's named database: dense 1-based integer keys, msgpack-encoded StoredRecords. */
export type JournalDb = Database<unknown, number>;

/** The highest key of a journal database, 0 when it is empty. */
export function lastKey(db: JournalDb): number {
  for (const key of db.getKeys({ reverse: true, limit: 1 })) return key;
  return 0;
}

/**
 * Up to `limit` records after `afterSeq`, checking that the keys are dense from `afterSeq + 1`
 * and that every value decodes to a record; throws JournalCorruptError naming the journal and
 * the first seq that is missing or unreadable.
 */
export function readDense(
  db: JournalDb,
  journal: string,
  afterSeq: number,
  limit: number,
): JournalRecord[] {
  const records: JournalRecord[] = [];
  let expected = afterSeq + 1;
  try {
    for (const { key, value } of db.getRange({ start: expected, limit })) {
      if (key !== expected) {
        throw new JournalCorruptError(
          `journal "${journal}": seq ${expected} is missing (next stored: ${String(key)})`,
          { stage: journal, seq: expected },
        );
      }
      records.push(fromStored(journal, key, value));
      expected += 1;
    }
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new JournalCorruptError(
      `journal "${journal}" seq ${expected}: the stored value cannot be decoded`,
      {
        stage: journal,
        seq: expected,
        cause: error,
      },
    );
  }
  return records;
}
