import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/core';
import type { StoredDefinition } from '@sluice/runtime';
import { LmdbJournalStore } from '../lmdb/lmdb-journal-store.ts';

/** An existing data directory, opened for reading. */
export interface OpenDataDir {
  readonly path: string;
  readonly store: LmdbJournalStore;
  /** The flow definition the last run stored. */
  readonly definition: StoredDefinition;
}

/**
 * Opens an existing flow data directory (the LMDB environment a run wrote, as given to
 * `sluice run --data-dir`). Never creates one: a missing path, a file, a directory without
 * `data.mdb`, a corrupt `data.mdb` or a store no run has written throws a SluiceError whose
 * message names the path. The store does not take the directory's lock (it works beside a
 * running flow) and must only be read. The caller closes it.
 */
export async function openDataDir(dir: string): Promise<OpenDataDir> {
  const path = resolve(dir);
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) throw notDataDir(`no data directory at ${path}`);
  if (!stats.isDirectory()) throw notDataDir(`${path} is a file, not a data directory`);
  if (statSync(join(path, 'data.mdb'), { throwIfNoEntry: false }) === undefined) {
    throw notDataDir(`${path} is not a Sluice data directory (it has no data.mdb)`);
  }
  // Only reads: no lock, so that it works beside a running flow.
  const store = LmdbJournalStore.open({ path, lock: false });
  try {
    const definition = (await store.readMeta('flow')) as StoredDefinition | undefined;
    if (definition === undefined) throw notDataDir(`${path} holds no flow: no run has started in it`);
    return { path, store, definition };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function notDataDir(message: string): SluiceError {
  return new SluiceError(ErrorCode.Config, message);
}
