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
 * one unless given). Each process opens the store again; the data directory's lock is taken
 * by the kit itself (the store opens with `lock: false`), so that a crash can let it go, as
 * the OS does for a killed process, while the abandoned store is left as it was.
 */
export class KitDisk {
  readonly kind: KitStoreKind;
  /** The LMDB data directory; undefined on the memory store. */
  readonly dir: string | undefined;
  readonly #durability: LmdbDurability | undefined;
  readonly #temporary: boolean;
  readonly #opened: JournalStore[] = [];
  #lock: DataDirLock | undefined;

  constructor(kind: KitStoreKind, options: { readonly dir?: string; readonly durability?: LmdbDurability }) {
    this.kind = kind;
    this.#durability = options.durability;
    this.#temporary = kind === 'lmdb' && options.dir === undefined;
    this.dir = kind === 'memory' ? undefined : (options.dir ?? mkdtempSync(join(tmpdir(), 'sluice-kit-')));
  }

  /** The store of the current process, for the kit's own reads (they work after a crash too). */
  get current(): JournalStore {
    return this.#opened.at(-1) ?? this.open();
  }

  /** The store of a new process: the same memory store, or the data directory opened again. */
  open(): JournalStore {
    if (this.dir === undefined) {
      const store = this.#opened[0] ?? createMemoryJournalStore();
      if (this.#opened.length === 0) this.#opened.push(store);
      return store;
    }
    const store = LmdbJournalStore.open({ path: this.dir, lock: false, ...(this.#durability === undefined ? {} : { durability: this.#durability }) });
    this.#opened.push(store);
    return store;
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

  /** Closes every store opened, lets the lock go and removes a temporary directory. */
  async cleanup(): Promise<void> {
    const opened = this.#opened.splice(0);
    await Promise.allSettled(opened.map((store) => store.close()));
    await this.unlock();
    if (this.#temporary && this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}
