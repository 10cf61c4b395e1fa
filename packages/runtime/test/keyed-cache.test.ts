import { expect } from 'chai';
import { createMemoryJournalStore, flow, keyed, sink, source, type JournalStore } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, live } from './support/handlers.ts';

/** The store, counting the keys the stage asked for by point read. */
function counting(inner: JournalStore, reads: { keys: number }): JournalStore {
  return {
    ...inner,
    getKeyedMany: (stage, keys) => {
      reads.keys += keys.length;
      return inner.getKeyedMany(stage, keys);
    },
  };
}

describe('keyed stage: key states in memory', () => {
  it('reads no key from the store while every committed state is in memory, also after a restart', async () => {
    const store = createMemoryJournalStore();
    const reads = { keys: 0 };
    const ids = Array.from({ length: 100 }, (_, i) => `id${String((i * 37) % 50)}`);
    let next = 0;
    const src = () => live(() => (next < ids.length ? [ids[next++] ?? ''] : []), () => next >= ids.length);
    const make = (into: unknown[]) =>
      flow('cache', [sink('out', keyed('count', source('ids', src()), { key: (id: string) => id, init: () => 0, step: (n: number) => n + 1 }), collect(into))]);
    const first: unknown[] = [];
    const handle = run(make(first), { store: counting(store, reads) });
    while (first.length < 30) await new Promise((resolve) => setImmediate(resolve));
    await handle.stop('graceful');
    expect(reads.keys, 'new keys are not looked up').to.equal(0);
    // The restart loads the committed states whole, then counts on without a point read.
    const second: { key: string; state: number }[] = [];
    await run(make(second), { store: counting(store, reads) });
    expect(reads.keys).to.equal(0);
    expect(first.length + second.length).to.equal(100);
    expect(await store.getKeyed('count', 'id0')).to.equal(2);
    expect(second.filter((u) => u.state === 2)).to.have.length(50 - first.filter((u) => (u as { state: number }).state === 2).length);
  });
});
