import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryJournalStore, type JournalStore } from '@sluice/core';
import { acquireDataDirLock, type DataDirLock } from '../lmdb/data-dir-lock.ts';
import { LmdbJournalStore, type LmdbDurability } from '../lmdb/lmdb-journal-store.ts';

/** Where a kit's runs keep their journals. */
export type KitStoreKind = 'memory' | 'lmdb';

/**
 * What outlives a simulated process: the memory store, or an LMDB data directory (a temporary
 * one unless given). The data directory's lock is taken by the kit itself (the store opens with
 * `lock: false`), so that a crash can let it go as the OS does for a killed process; the
 * crashed process's environment is closed once its last write has landed, as its file
 * descriptors would be, so that one process never holds two environments of one directory.
 */
export class KitDisk {
  readonly kind: KitStoreKind;
  /** The LMDB data directory; undefined on the memory store. */
  readonly dir: string | undefined;
  readonly #durability: LmdbDurability | undefined;
  readonly #temporary: boolean;
  #store: JournalStore | undefined;
  #lock: DataDirLock | undefined;

  constructor(kind: KitStoreKind, options: { readonly dir?: string; readonly durability?: LmdbDurability }) {
    this.kind = kind;
    this.#durability = options.durability;
    this.#temporary = kind === 'lmdb' && options.dir === undefined;
    this.dir = kind === 'memory' ? undefined : (options.dir ?? mkdtempSync(join(tmpdir(), 'sluice-kit-')));
  }

  /** The store as it is now, opened when needed: the run's, and the kit's reads (after a crash too). */
  get current(): JournalStore {
    this.#store ??= this.dir === undefined ? createMemoryJournalStore() : this.#openLmdb(this.dir);
    return this.#store;
  }

  /** Closes the LMDB environment of a process that is gone (the memory store stays: it is the disk). */
  async release(): Promise<void> {
    if (this.dir === undefined) return;
    const store = this.#store;
    this.#store = undefined;
    await store?.close();
  }

  /** Takes the data directory's lock for this process (nothing on the memory store). */
  async lock(): Promise<void> {
    if (this.dir !== undefined) this.#lock = await acquireDataDirLock(this.dir);
  }

  /** Lets the lock go, as a process's death does. */
  async unlock(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    await lock?.release();
  }

  /** Closes the store, lets the lock go and removes a temporary directory. */
  async cleanup(): Promise<void> {
    const store = this.#store;
    this.#store = undefined;
    await store?.close();
    await this.unlock();
    if (this.#temporary && this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  #openLmdb(path: string): JournalStore {
    return LmdbJournalStore.open({ path, lock: false, ...(this.#durability === undefined ? {} : { durability: this.#durability }) });
  }
}
