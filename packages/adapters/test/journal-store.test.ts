import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryJournalStore } from '@sluice/core';
import { LmdbJournalStore, type LmdbDurability } from '../src/lmdb/lmdb-journal-store.ts';
import { journalStoreContract, type ContractSubject } from './support/journal-store-contract.ts';

journalStoreContract('memory', () =>
  Promise.resolve({ store: createMemoryJournalStore(), cleanup: () => Promise.resolve() }),
);

for (const durability of ['fsync', 'may-lose-last-commits-on-power-loss'] as const) {
  journalStoreContract(`lmdb (${durability})`, () => openLmdb(durability));
}

/** An LMDB store in a fresh temporary directory, removed by cleanup. */
async function openLmdb(durability: LmdbDurability): Promise<ContractSubject> {
  const path = await mkdtemp(join(tmpdir(), 'sluice-lmdb-contract-'));
  return {
    store: LmdbJournalStore.open({ path, durability }),
    reopen: () => Promise.resolve(LmdbJournalStore.open({ path, durability })),
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
}
