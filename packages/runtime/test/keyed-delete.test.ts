import { expect } from 'chai';
import { createMemoryJournalStore, flow, keyed, sink, source, type CommitBatch, type KeyedChange } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

interface Hit {
  readonly user: string;
  readonly n: number;
}

describe('keyed stage: a step that returns undefined', () => {
  it('deletes the key: written as a change without value, gone from the store, and init again on its next record', async () => {
    const store = createMemoryJournalStore();
    const changes: KeyedChange[] = [];
    const noting = {
      ...store,
      commit: (batch: CommitBatch) => {
        if (batch.stage === 'counts') changes.push(...(batch.keyed ?? []));
        return store.commit(batch);
      },
    };
    // A count that expires at 3: the third hit deletes the key, the fourth starts again from init.
    const hits: Hit[] = ['a', 'b', 'a', 'a', 'a', 'b'].map((user, n) => ({ user, n }));
    const counts = keyed('counts', source('hits', items(hits)), {
      key: (h: Hit) => h.user,
      init: () => 0,
      step: (count: number) => (count + 1 >= 3 ? undefined : count + 1),
      output: (count, h) => ({ user: h.user, count }),
    }, { batchSize: 2 });
    const out: { user: string; count: number }[] = [];
    await run(flow('delete', [sink('out', counts, collect(out))]), { store: noting });
    expect(out, 'a deleted key emits nothing').to.deep.equal([
      { user: 'a', count: 1 },
      { user: 'b', count: 1 },
      { user: 'a', count: 2 },
      { user: 'a', count: 1 },
      { user: 'b', count: 2 },
    ]);
    expect(changes.some((c) => c.key === 'a' && !('value' in c)), 'a deletion is a change without value').to.equal(true);
    expect(await store.getKeyed('counts', 'a')).to.equal(1);
    expect(await store.countKeyed('counts')).to.equal(2);
  });

  it('deletes a key for good: it is not scanned at EOF and the store no longer holds it', async () => {
    const store = createMemoryJournalStore();
    const values: Hit[] = Array.from({ length: 30 }, (_, n) => ({ user: `u${String(n % 5)}`, n }));
    const last = keyed('last', source('hits', items(values)), {
      key: (h: Hit) => h.user,
      init: () => 0,
      // u0 expires in an earlier batch, u3 in the batch that ends the input; the others keep their latest n.
      step: (_: number, h: Hit) => (h.n >= 25 && (h.user === 'u0' || h.user === 'u3') ? undefined : h.n),
      output: () => undefined,
      onEof: (n, key) => ({ key, n }),
    }, { batchSize: 7 });
    const out: { key: string; n: number }[] = [];
    await run(flow('delete', [sink('out', last, collect(out))]), { store });
    expect(out).to.deep.equal([
      { key: 'u1', n: 26 },
      { key: 'u2', n: 27 },
      { key: 'u4', n: 29 },
    ]);
    expect(await store.countKeyed('last')).to.equal(3);
    expect(await store.getKeyed('last', 'u0')).to.equal(undefined);
    expect(await store.getKeyed('last', 'u3')).to.equal(undefined);
  });
});
