import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { JournalCorruptError, type JournalStore } from '@sluice/core';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';

/** Runs `change` on the raw LMDB environment in `path`, opened with lmdb-js directly. */
async function raw<T>(path: string, change: (env: ReturnType<typeof open>) => T): Promise<T> {
  const env = open({ path, maxDbs: 1000 });
  try {
    return change(env);
  } finally {
    await env.close();
  }
}

describe('LMDB record format', () => {
  let dir: string;
  let store: JournalStore | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-lmdb-format-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reads format-1 records, upgrades the store to format 3 and appends after them', async () => {
    await raw(dir, (env) => {
      env.openDB('store', {}).putSync('format', 1);
      const journal = env.openDB<unknown, number>('j:a', {});
      journal.putSync(1, { k: 0, at: 1, p: { n: 1 } });
      journal.putSync(2, { k: 0, at: 2, p: 'x', c: ['up', 4], port: 1 });
      journal.putSync(3, { k: 2, at: 3, p: null });
      env.openDB('stats', {}).putSync('a', { data: 2, error: 0, eof: 1, control: 0 });
    });
    store = LmdbJournalStore.open({ path: dir });
    await store.commit({ stage: 'b', records: [{ kind: 'data', at: 4, payload: [1, 2] }] });
    expect(await store.read('a', 0, 10)).to.deep.equal([
      { seq: 1, kind: 'data', at: 1, payload: { n: 1 } },
      { seq: 2, kind: 'data', at: 2, payload: 'x', cause: { stage: 'up', seq: 4 }, port: 1 },
      { seq: 3, kind: 'eof', at: 3, payload: null },
    ]);
    expect(await store.read('b', 0, 10)).to.deep.equal([{ seq: 1, kind: 'data', at: 4, payload: [1, 2] }]);
    await store.close();
    store = undefined;
    expect(await raw(dir, (env) => env.openDB('store', {}).get('format'))).to.equal(3);
  });

  it('upgrades a format-2 store to format 3 (event time in records, keyed-state deltas) and refuses a newer one', async () => {
    await raw(dir, (env) => env.openDB('store', {}).putSync('format', 2));
    store = LmdbJournalStore.open({ path: dir });
    await store.close();
    store = undefined;
    expect(await raw(dir, (env) => env.openDB('store', {}).get('format'))).to.equal(3);
    await raw(dir, (env) => env.openDB('store', {}).putSync('format', 4));
    expect(() => LmdbJournalStore.open({ path: dir })).to.throw(/has format 4; this version reads formats 1, 2 and 3/);
  });

  it('round-trips a route output without lineage', async () => {
    store = LmdbJournalStore.open({ path: dir });
    await store.commit({ stage: 'r', records: [{ kind: 'data', at: 1, payload: { v: 1 }, port: 3 }] });
    expect(await store.read('r', 0, 1)).to.deep.equal([{ seq: 1, kind: 'data', at: 1, payload: { v: 1 }, port: 3 }]);
  });

  it('reads arrays that are not records as corrupt, naming the seq', async () => {
    store = LmdbJournalStore.open({ path: dir });
    await store.commit({ stage: 'a', records: [{ kind: 'data', at: 1, payload: 1 }] });
    await store.close();
    store = undefined;
    const bad: unknown[][] = [[0, 1], [9, 1, 'p'], [0, 'at', 'p'], [0, 1, 'p', 'up'], [0, 1, 'p', 'up', 'seq'], [0, 1, 'p', null, 2, 0], [0, 1, 'p', 'up', 2, 'port']];
    for (const [i, value] of bad.entries()) {
      await raw(dir, (env) => env.openDB<unknown, number>('j:a', { useRecords: false } as object).putSync(i + 2, value));
    }
    store = LmdbJournalStore.open({ path: dir });
    for (let seq = 2; seq < bad.length + 2; seq++) {
      let error: unknown;
      try {
        await store.read('a', seq - 1, 1);
      } catch (thrown) {
        error = thrown;
      }
      expect(error, `seq ${String(seq)}`).to.be.instanceOf(JournalCorruptError);
      expect(error).to.include({ stage: 'a', seq });
    }
  });
});
