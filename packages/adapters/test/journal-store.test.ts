import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import { createMemoryJournalStore } from '@sluice/core';
import { journalStoreContract, type ContractSubject } from '@sluice/core/testing';
import { LmdbJournalStore, type LmdbDurability } from '../src/lmdb/lmdb-journal-store.ts';

// The exported contract, run as a store written outside the repository would run it.
const suite = { describe, it };

journalStoreContract({
  name: 'memory',
  suite,
  open: () => Promise.resolve({ store: createMemoryJournalStore(), cleanup: () => Promise.resolve() }),
});

for (const durability of ['fsync', 'may-lose-last-commits-on-power-loss'] as const) {
  journalStoreContract({ name: `lmdb (${durability})`, suite, durable: true, open: () => openLmdb(durability) });
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
