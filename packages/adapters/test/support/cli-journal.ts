import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Flow, JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry, type RunSummary } from '@sluice/runtime';
import { LmdbJournalStore } from '../../src/lmdb/lmdb-journal-store.ts';
import { run, type LocalRunOptions } from '../../src/run-local.ts';

/** Opens the LMDB store in `path` without its lock (it may be read beside a run), runs `read` on it and closes it. */
export async function withStore<T>(path: string, read: (store: JournalStore) => Promise<T>): Promise<T> {
  const store = LmdbJournalStore.open({ path, lock: false });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** Every activity entry of a data directory, in order. */
export async function activityOf(path: string): Promise<ActivityEntry[]> {
  return withStore(path, async (store) => {
    const records = await store.read(SYSTEM_JOURNAL, 0, 100_000);
    return records.map((r) => r.payload as ActivityEntry);
  });
}

/** The numbers in a JSON-lines file, one per line; none when it does not exist. */
export function numberLines(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

/** 2, 4, … 2n: what the endless fixture's sink holds after n numbers, exactly once. */
export function doubledUpTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + 1) * 2);
}

/**
 * Runs `flow` to its end in this process on an LMDB data directory (no logs, no metrics, no
 * config file or SLUICE_* variables), so that CLI child processes can read what it wrote.
 */
export async function runFlowInto(dataDir: string, flow: Flow, options: LocalRunOptions = {}): Promise<RunSummary> {
  const cwd = dirname(dataDir);
  return run(flow, { dataDir, logLevel: 'silent', config: { cwd, env: {}, file: false }, ...options });
}
