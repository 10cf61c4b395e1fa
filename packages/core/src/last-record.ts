import type { JournalRecord } from './record.ts';
import type { JournalStore } from './store.ts';

/**
 * The record with the highest seq in `journal`, undefined when the journal is empty. Two
 * reads through the port (last seq, then that record): a commit landing in between may make
 * it one record behind the newest, never wrong about the seq it returns.
 */
export async function lastRecord(store: JournalStore, journal: string): Promise<JournalRecord | undefined> {
  const last = await store.lastSeq(journal);
  if (last === 0) return undefined;
  const [record] = await store.read(journal, last - 1, 1);
  return record;
}
