import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Envelope } from '@sluice/core';
import { generateAuditKeyPair, type AuditKeyPair } from '../src/audit/audit-keys.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';

/** A temp directory with a key pair and a data directory `data` in it. */
export interface AuditFixture {
  readonly dir: string;
  readonly dataDir: string;
  readonly keys: AuditKeyPair;
  /** Removes the data directory and its head file (what a bundle must do without). */
  cleanupData(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A fresh temp directory and key pair. */
export async function auditFixture(): Promise<AuditFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-audit-'));
  const dataDir = join(dir, 'data');
  return {
    dir,
    dataDir,
    keys: generateAuditKeyPair(),
    cleanupData: async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}.audit-head.json`, { force: true });
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function data(from: number, count: number, cause?: string): Envelope[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'data' as const,
    at: 1000 + from + i,
    payload: { n: from + i, text: `record ${from + i}` },
    ...(cause === undefined ? {} : { cause: { stage: cause, seq: from + i } }),
  }));
}

/**
 * Opens the audited store, writes `batches` commits of 3 records to `src` and of 3 to `out`
 * (caused by src's), checkpointing every 2 commits, and closes it (which signs the last heads).
 */
export async function writeAudited(fixture: AuditFixture, batches: number, firstBatch = 0): Promise<void> {
  const store = LmdbJournalStore.open({ path: fixture.dataDir, audit: { key: fixture.keys.privateKey, everyCommits: 2 } });
  try {
    for (let b = firstBatch; b < firstBatch + batches; b += 1) {
      await store.commit({ stage: 'src', records: data(b * 3 + 1, 3) });
      await store.commit({ stage: 'out', records: data(b * 3 + 1, 3, 'src'), cursors: { src: b * 3 + 3 } });
    }
  } finally {
    await store.close();
  }
}

/** Runs `change` on the raw LMDB environment of the data directory, journals opened as bytes. */
export async function tamper(
  dataDir: string,
  change: (journal: (name: string) => Database<Buffer, number>, root: RootDatabase) => void,
): Promise<void> {
  const root = open({ path: dataDir, maxDbs: 1000 });
  try {
    const journal = (name: string): Database<Buffer, number> => root.openDB<Buffer, number>(`j:${name}`, { encoding: 'binary' });
    await root.transaction(() => change(journal, root));
  } finally {
    await root.close();
  }
}

/** Copies the data file aside (to restore it later as the "older copy"). */
export async function copyDataFile(dataDir: string, to: string): Promise<void> {
  await copyFile(join(dataDir, 'data.mdb'), to);
}
