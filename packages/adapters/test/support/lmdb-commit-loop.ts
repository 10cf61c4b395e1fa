/**
 * Child process of the LMDB kill test: commits batches of 10 records to four journals, several
 * commits in flight at once, forever, and prints `<journal> <batch>` when a commit resolves.
 * Each batch also moves the journal's cursor and state to the batch number, so the parent can
 * check after SIGKILL that every batch is all there or not there at all.
 * Usage: node --import tsx --conditions=development lmdb-commit-loop.ts <dir> <durability>
 */
import { writeSync } from 'node:fs';
import type { Envelope } from '@sluice/core';
import { LmdbJournalStore, type LmdbDurability } from '../../src/lmdb/lmdb-journal-store.ts';

/** Records per batch (the test expects 10). */
const BATCH_SIZE = 10;
/** The journals the loop writes. */
const LOOP_JOURNALS = ['j0', 'j1', 'j2', 'j3'] as const;

async function commitForever(journal: string, store: LmdbJournalStore): Promise<never> {
  for (let batchNo = 0; ; batchNo += 1) {
    const records: Envelope[] = Array.from({ length: BATCH_SIZE }, (_, i) => ({
      kind: 'data',
      at: Date.now(),
      payload: { batch: batchNo, i, pad: 'x'.repeat(200) },
    }));
    await store.commit({
      stage: journal,
      records,
      cursors: { up: batchNo },
      state: { batch: batchNo },
    });
    writeSync(1, `${journal} ${batchNo}\n`);
  }
}

const [path, durability] = process.argv.slice(2);
if (path === undefined || durability === undefined) throw new Error('usage: <dir> <durability>');
const store = LmdbJournalStore.open({ path, durability: durability as LmdbDurability });
await Promise.all(LOOP_JOURNALS.map((journal) => commitForever(journal, store)));
