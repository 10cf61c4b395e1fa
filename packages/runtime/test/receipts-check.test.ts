import { expect } from 'chai';
import { createMemoryJournalStore, flow, route, sink, source, transform, type JournalStore, type SourceHandler } from '@sluice/core';
import { checkEdges, run, SYSTEM_JOURNAL, type StoredDefinition } from '@sluice/runtime';
import { collect, items, until } from './support/handlers.ts';

/** The `stage.notice` entries of kind `edges.checked` of the activity log, per sink. */
async function checks(store: JournalStore): Promise<Map<string, { message: string; details: { violations: string[]; edges: number; receipts: number } }>> {
  const found = new Map<string, { message: string; details: { violations: string[]; edges: number; receipts: number } }>();
  for (const record of await store.read(SYSTEM_JOURNAL, 0, 10_000)) {
    const entry = record.payload as { type: string; kind?: string; stage: string; message: string; details: { violations: string[]; edges: number; receipts: number } };
    if (entry.type === 'stage.notice' && entry.kind === 'edges.checked') found.set(entry.stage, entry);
  }
  return found;
}

/** numbers → double → route parity → even/odd sinks, and a second sink on double. */
async function ran(): Promise<{ store: JournalStore; definition: StoredDefinition }> {
  const store = createMemoryJournalStore();
  const numbers = source('numbers', items(Array.from({ length: 25 }, (_, i) => i + 1)));
  const double = transform('double', numbers, (n) => n * 2);
  const [low, high] = route('size', double, (n) => (n > 20 ? 1 : 0), 2);
  const sinks = [sink('low', low, collect<number>([])), sink('high', high, collect<number>([])), sink('all', double, collect<number>([]))];
  const summary = await run(flow('edges', sinks), { store, batchSize: 4 });
  expect(summary.state).to.equal('completed');
  return { store, definition: (await store.readMeta('flow')) as StoredDefinition };
}

describe('edge contracts', () => {
  it('at its EOF each sink checks the edges upstream of it and its receipts: the activity log says so', async () => {
    const { store } = await ran();
    const found = await checks(store);
    expect([...found.keys()].sort()).to.deep.equal(['all', 'high', 'low']);
    const low = found.get('low');
    expect(low?.details.violations).to.deep.equal([]);
    // low ← size ← double ← numbers: three edges.
    expect(low?.details.edges).to.equal(3);
    expect(low?.details.receipts).to.equal(10);
    expect(low?.message).to.match(/^edges checked: 3 edges read to their end, 10 inputs of "low" with one receipt each$/);
    expect(found.get('all')?.details.receipts).to.equal(25);
  });

  it('checkEdges finds nothing wrong in a completed run, listing every edge', async () => {
    const { store, definition } = await ran();
    const result = await checkEdges(store, definition.topology, { runEnded: true });
    expect(result.violations).to.deep.equal([]);
    expect(result.edges.map((e) => `${e.input}→${e.consumer}`).sort()).to.deep.equal(['double→all', 'double→size', 'numbers→double', 'size#0→low', 'size#1→high']);
    expect(result.edges.find((e) => e.consumer === 'high')?.receipts).to.deep.equal({ inputs: 15, delivered: 15, failed: 0 });
  });

  it('finds a cursor moved back: records written upstream never read', async () => {
    const { store, definition } = await ran();
    await store.commit({ stage: 'double', records: [], cursors: { numbers: 20 } });
    const { violations } = await checkEdges(store, definition.topology);
    expect(violations).to.have.length(1);
    expect(violations[0]).to.match(/^edge "numbers" → "double": the run ended with "double" at seq 20 of "numbers", which ends at seq 26: 6 records written upstream were never read$/);
  });

  it('beside a running flow: no violation while the sink is behind or between commits', async () => {
    const store = createMemoryJournalStore();
    let next = 0;
    let stopping = false;
    // Yields a turn per read, so that the test's checks run between the stages' commits.
    const endless: SourceHandler<number, number> = {
      open: () => ({
        read: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          const values = stopping ? [] : [++next, ++next, ++next];
          return { values, position: next, done: stopping };
        },
      }),
    };
    const numbers = source('numbers', endless);
    const handle = run(flow('live', [sink('out', transform('double', numbers, (n) => n * 2), collect<number>([]))]), { store, batchSize: 2 });
    const topology = ((await until(async () => (await store.readMeta('flow')) !== undefined), await store.readMeta('flow')) as StoredDefinition).topology;
    for (let i = 0; i < 20; i++) {
      await until(async () => (await store.lastSeq('out')) > i);
      const { violations, edges } = await checkEdges(store, topology);
      expect(violations, `check ${String(i)}`).to.deep.equal([]);
      expect(edges.find((e) => e.consumer === 'out')?.receipts?.inputs).to.be.greaterThan(0);
    }
    stopping = true;
    expect((await handle).state).to.equal('completed');
    expect((await checkEdges(store, topology, { runEnded: true })).violations).to.deep.equal([]);
  });

  it('finds an input with two receipts', async () => {
    const { store, definition } = await ran();
    // The journal ends with EOF: a duplicate receipt after it is what a bad tool would append.
    await store.commit({ stage: 'all', records: [{ kind: 'control', at: 0, payload: { receipt: 'delivered', upstream: 'double', from: 3, to: 4, count: 2 }, cause: { stage: 'double', seq: 4 } }] });
    const twice = await checkEdges(store, definition.topology, { stages: new Set(['all']) });
    expect(twice.violations).to.deep.equal(['sink "all": 2 inputs from "double" have more than one receipt (seq 3, 4)']);
  });
});
