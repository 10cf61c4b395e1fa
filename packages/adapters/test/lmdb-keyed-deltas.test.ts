import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { KeyedChange } from '@sluice/core';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';

/** Commits `changes` to stage `s` in one batch. */
const commit = (store: LmdbJournalStore, keyed: KeyedChange[]) => store.commit({ stage: 's', records: [], keyed });

/** How many delta records and per-key entries stage `s` has in the LMDB files. */
async function layout(path: string): Promise<{ deltas: number; table: number }> {
  const root = open({ path, readOnly: true, maxDbs: 1000 });
  try {
    const deltas = [...root.openDB('keyedDeltas', {}).getKeys()].length;
    const table = [...root.openDB('keyed', {}).getKeys()].length;
    return { deltas, table };
  } finally {
    await root.close();
  }
}

describe('LMDB keyed state: deltas per commit, merged in bulk', () => {
  let path: string;
  let store: LmdbJournalStore;
  beforeEach(async () => {
    path = await mkdtemp(join(tmpdir(), 'sluice-keyed-deltas-'));
    store = LmdbJournalStore.open({ path });
  });
  afterEach(async () => {
    await store.close();
    await rm(path, { recursive: true, force: true });
  });

  it('writes one delta per commit instead of one entry per key, read through before and after a reopen', async () => {
    await commit(store, Array.from({ length: 500 }, (_, i) => ({ key: `k${String(i).padStart(4, '0')}`, value: { i } })));
    await commit(store, [{ key: 'k0001' }, { key: 'k0002', value: { i: -2 } }, { key: 'zz', value: 1 }]);
    await store.close();
    expect(await layout(path)).to.deep.equal({ deltas: 2, table: 0 });
    store = LmdbJournalStore.open({ path });
    expect(await store.countKeyed('s')).to.equal(500);
    expect(await store.getKeyedMany('s', ['k0000', 'k0001', 'k0002', 'zz'])).to.deep.equal([{ i: 0 }, undefined, { i: -2 }, 1]);
    const page = await store.scanKeyed('s', { after: 'k0000', limit: 3 });
    expect(page).to.deep.equal([{ key: 'k0002', value: { i: -2 } }, { key: 'k0003', value: { i: 3 } }, { key: 'k0004', value: { i: 4 } }]);
  });

  it('merges the deltas into the per-key table once they hold enough keys; scans see table and deltas as one, in key order', async () => {
    const expected = new Map<string, number>();
    for (let c = 0; c < 30; c++) {
      // 1,000 scattered keys per commit: the deltas reach the merge threshold part way through.
      const changes: KeyedChange[] = Array.from({ length: 1000 }, (_, i) => ({ key: `u${String(Math.imul(c * 1000 + i, 2654435761) % 40_000)}`, value: c }));
      for (const { key } of changes) expected.set(key, c);
      // And a deletion of a key an earlier commit put.
      if (c > 0) {
        const gone = `u${String(Math.imul((c - 1) * 1000, 2654435761) % 40_000)}`;
        changes.push({ key: gone });
        expected.delete(gone);
      }
      await commit(store, changes);
    }
    expect(await store.countKeyed('s')).to.equal(expected.size);
    const scanned: { key: string; value: unknown }[] = [];
    for (let after: string | undefined; ; ) {
      const page = await store.scanKeyed('s', { ...(after === undefined ? {} : { after }), limit: 777 });
      scanned.push(...page);
      after = page.at(-1)?.key;
      if (page.length < 777) break;
    }
    const sorted = [...expected].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect(scanned.map((e) => [e.key, e.value])).to.deep.equal(sorted);
    await store.close();
    const { deltas, table } = await layout(path);
    expect(table, 'merged into the table').to.be.greaterThan(0);
    expect(deltas, 'merged deltas are deleted').to.be.lessThan(30);
    store = LmdbJournalStore.open({ path });
    expect(await store.countKeyed('s')).to.equal(expected.size);
    const some = sorted.slice(0, 50).map(([key]) => key);
    expect(await store.getKeyedMany('s', some)).to.deep.equal(sorted.slice(0, 50).map(([, v]) => v));
  });

  it('scans between commits see each commit: the pending keys stay sorted as commits add to them', async () => {
    const expected = new Map<string, number>();
    for (let c = 0; c < 12; c++) {
      const changes: KeyedChange[] = Array.from({ length: 50 }, (_, i) => ({ key: `w${String(Math.imul(c * 50 + i, 2654435761) % 400)}`, value: c }));
      if (c % 3 === 2) changes.push({ key: [...expected.keys()][0] ?? 'none' });
      await commit(store, changes);
      for (const { key, value } of changes) {
        if (value === undefined) expected.delete(key);
        else expected.set(key, value as number);
      }
      const before = [...expected.keys()].sort()[Math.floor(expected.size / 2)] ?? '';
      const scanned = await store.scanKeyed('s', { before, limit: 10_000 });
      const want = [...expected].filter(([key]) => key < before).sort(([a], [b]) => (a < b ? -1 : 1));
      expect(scanned.map((e) => [e.key, e.value]), `after commit ${String(c)}`).to.deep.equal(want);
    }
  });
});
