import { expect } from 'chai';
import { createMemoryJournalStore, flow, keyed, sink, source, type CommitBatch, type JournalStore, type KeyedUpdate } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

/** The memory store, noting how many keys each commit of `stage` wrote. */
function noting(inner: JournalStore, stage: string, into: number[]): JournalStore {
  return {
    ...inner,
    commit: (batch: CommitBatch) => {
      if (batch.stage === stage) into.push(batch.keyed?.length ?? 0);
      return inner.commit(batch);
    },
  };
}

interface Sale {
  readonly shop: string;
  readonly amount: number;
}

const sales = (n: number, shops: number): Sale[] => Array.from({ length: n }, (_, i) => ({ shop: `s${String(i % shops)}`, amount: i }));

describe('keyed stage', () => {
  it('folds each record into its key state and writes only the keys a batch changed', async () => {
    const store = createMemoryJournalStore();
    const written: number[] = [];
    const totals = keyed('totals', source('sales', items(sales(40, 4)), { batchSize: 10 }), {
      key: (s: Sale) => s.shop,
      init: () => 0,
      step: (total: number, s: Sale) => total + s.amount,
    }, { batchSize: 5 });
    const out: KeyedUpdate<number>[] = [];
    await run(flow('keyed', [sink('out', totals, collect(out))]), { store: noting(store, 'totals', written) });
    expect(out).to.have.length(40);
    expect(out.slice(0, 5)).to.deep.equal([
      { key: 's0', state: 0 },
      { key: 's1', state: 1 },
      { key: 's2', state: 2 },
      { key: 's3', state: 3 },
      { key: 's0', state: 4 },
    ]);
    expect(await store.getKeyed('totals', 's1')).to.equal([1, 5, 9, 13, 17, 21, 25, 29, 33, 37].reduce((a, b) => a + b, 0));
    expect(await store.countKeyed('totals')).to.equal(4);
    expect(Math.max(...written), 'a batch of 5 records writes at most the 4 keys it touched').to.equal(4);
    expect(await store.loadState('totals'), 'no whole-state value').to.equal(undefined);
  });

  it('sends a record whose key or step fails to the error lane; its key keeps its state', async () => {
    const store = createMemoryJournalStore();
    const values = [{ shop: 'a', amount: 1 }, { shop: '', amount: 2 }, { shop: 'a', amount: -1 }, { shop: 'a', amount: 3 }];
    const totals = keyed('totals', source('sales', items(values)), {
      key: (s: Sale) => {
        if (s.shop === '') throw new Error('no shop');
        return s.shop;
      },
      init: () => 0,
      step: (total: number, s: Sale) => {
        if (s.amount < 0) throw new Error('negative amount');
        return total + s.amount;
      },
    });
    const out: KeyedUpdate<number>[] = [];
    const summary = await run(flow('keyed', [sink('out', totals, collect(out))]), { store });
    expect(summary.stages['totals']?.errors).to.equal(2);
    expect(out.map((u) => u.state)).to.deep.equal([1, 4]);
    const errors = (await store.read('totals', 0, 10)).filter((r) => r.kind === 'error').map((r) => (r.payload as { message: string }).message);
    expect(errors).to.deep.equal(['no shop', 'negative amount']);
  });

  it('emits per key at EOF, in key order, with an output policy of its own', async () => {
    const store = createMemoryJournalStore();
    const totals = keyed('totals', source('sales', items(sales(30, 3)), { batchSize: 7 }), {
      key: (s: Sale) => s.shop,
      init: () => 0,
      step: (total: number, s: Sale) => total + s.amount,
      output: () => undefined,
      onEof: (total, key) => ({ key, total }),
    }, { batchSize: 4 });
    const out: { key: string; total: number }[] = [];
    await run(flow('keyed', [sink('out', totals, collect(out))]), { store });
    const expected = ['s0', 's1', 's2'].map((key, k) => ({ key, total: sales(30, 3).filter((s) => s.shop === key).reduce((a, s) => a + s.amount, 0) + 0 * k }));
    expect(out).to.deep.equal(expected);
  });

  it('continues from the committed key states after a stop and a restart', async () => {
    const store = createMemoryJournalStore();
    let next = 0;
    const all = sales(20, 2);
    const src = () => live(() => (next < all.length ? [all[next++] as Sale] : []), () => next >= all.length);
    const make = (into: KeyedUpdate<number>[]) =>
      flow('keyed', [sink('out', keyed('totals', source('sales', src()), { key: (s: Sale) => s.shop, init: () => 0, step: (t: number, s: Sale) => t + s.amount }), collect(into))]);
    const first: KeyedUpdate<number>[] = [];
    const handle = run(make(first), { store });
    while (first.length < 6) await new Promise((resolve) => setImmediate(resolve));
    await handle.stop('graceful');
    const second: KeyedUpdate<number>[] = [];
    await run(make(second), { store });
    const last = [...first, ...second].filter((u) => u.key === 's1').at(-1);
    expect(last?.state).to.equal(all.filter((s) => s.shop === 's1').reduce((a, s) => a + s.amount, 0));
    expect(first.length + second.length).to.equal(20);
  });
});
