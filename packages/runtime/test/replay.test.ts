import { expect } from 'chai';
import { createMemoryJournalStore, filter, flow, keyed, merge, sink, source, streamJoin, transform, tumbling, window, type Flow, type JournalStore } from '@sluice/core';
import { replay, run } from '@sluice/runtime';
import { collect, live } from './support/handlers.ts';

interface Tick {
  readonly id: string;
  readonly n: number;
  readonly t: number;
}

/** A source that hands out `total` ticks a random few per read, so a merge's live interleaving differs run to run. */
function trickle(total: number, label: string) {
  let sent = 0;
  return live<Tick>(() => {
    const count = Math.min(total - sent, Math.floor(Math.random() * 7));
    const values = Array.from({ length: count }, (_, i) => ({ id: `${label}${String(sent + i)}`, n: sent + i, t: (sent + i) * 10 }));
    sent += count;
    return values;
  }, () => sent >= total);
}

/** The flow under test: two trickling sources merged, a transform, a keyed count and a window; `factor` from tick `from` on is the changed code. */
function fanIn(change?: { readonly from: number; readonly factor: number }): Flow {
  const of = (v: Tick): number => v.t;
  const both = merge('both', [source('a', trickle(150, 'a'), { eventTime: { of } }), source('b', trickle(150, 'b'), { eventTime: { of } })], { batchSize: 16 });
  const priced = transform('price', both, (v: Tick) => ({ ...v, price: v.n * (change !== undefined && v.n >= change.from ? change.factor : 2) }));
  const counts = keyed('counts', priced, { key: (v) => v.id.slice(0, 1), init: () => 0, step: (s: number) => s + 1 });
  const windows = window('per-100ms', priced, { key: (v) => v.id.slice(0, 1), windows: tumbling(100), aggregate: { init: () => 0, add: (s: number) => s + 1 } });
  return flow('fan-in', [sink('counted', counts, collect([])), sink('windowed', windows, collect([])), sink('late', windows.late, collect([]))]);
}

async function dataOf(store: JournalStore, journal: string): Promise<unknown[]> {
  return (await store.read(journal, 0, 100_000)).filter((r) => r.kind === 'data').map((r) => ({ payload: r.payload, cause: r.cause }));
}

describe('replay', () => {
  it('replays the same code to a match, the merge reading its inputs in the order it did live', async () => {
    const original = createMemoryJournalStore();
    await run(fanIn(), { store: original });
    const journals = await original.journals();
    const before = await Promise.all(journals.map((j) => original.read(j, 0, 100_000)));
    const into = createMemoryJournalStore();
    const report = await replay(fanIn(), { original, into });
    expect(await Promise.all(journals.map((j) => original.read(j, 0, 100_000))), 'the original is only read').to.deep.equal(before);
    expect(await original.journals()).to.deep.equal(journals);
    expect(report.reason).to.equal(undefined);
    expect(report.verdict).to.equal('match');
    expect(report.differences).to.equal(0);
    expect(report.compared.map((c) => c.stage)).to.have.members(['both', 'price', 'counts', 'per-100ms']);
    expect(report.compared.find((c) => c.stage === 'both')?.records).to.equal(300);
    expect(await dataOf(into, 'both')).to.deep.equal(await dataOf(original, 'both'));
  });

  it('follows the read log over stages whose control records fell elsewhere live (filters that dropped whole batches)', async () => {
    const of = (v: Tick): number => v.t;
    const filtered = (): Flow => {
      const a = filter('fa', source('a', trickle(200, 'a'), { eventTime: { of } }), (v: Tick) => v.n % 5 === 0);
      const b = filter('fb', source('b', trickle(200, 'b'), { eventTime: { of } }), (v: Tick) => v.n % 5 === 0);
      return flow('filtered', [sink('out', merge('both', [a, b], { batchSize: 8 }), collect([]))]);
    };
    const original = createMemoryJournalStore();
    await run(filtered(), { store: original });
    const marks = (await original.read('fa', 0, 10_000)).filter((r) => r.kind === 'control');
    expect(marks.length, 'watermark marks between the data live').to.be.greaterThan(0);
    const into = createMemoryJournalStore();
    const report = await replay(filtered(), { original, into });
    expect(report.verdict).to.equal('match');
    // The same order; the causes' seqs in fa and fb may differ, as their control records fell elsewhere.
    const order = async (store: JournalStore): Promise<unknown[]> => (await store.read('both', 0, 10_000)).filter((r) => r.kind === 'data').map((r) => r.payload);
    expect(await order(into)).to.deep.equal(await order(original));
  });

  it('replays a stream join of two trickling sources to a match: its pairs in the order they were made live', async () => {
    const joined = (): Flow =>
      flow('joined', [
        sink('out', streamJoin('pairs', source('a', trickle(120, 'a')), source('b', trickle(120, 'b')), {
          leftKey: (v: Tick) => v.n % 7,
          rightKey: (v: Tick) => v.n % 7,
          combine: (l: Tick, r: Tick) => `${l.id}-${r.id}`,
        }, { batchSize: 8 }), collect([])),
      ]);
    const original = createMemoryJournalStore();
    await run(joined(), { store: original });
    const into = createMemoryJournalStore();
    const report = await replay(joined(), { original, into });
    expect(report.verdict).to.equal('match');
    expect(report.compared).to.deep.equal([{ stage: 'pairs', records: (await dataOf(original, 'pairs')).length }]);
    expect(await dataOf(into, 'pairs')).to.deep.equal(await dataOf(original, 'pairs'));
  });

  it('finds a changed transform at its stage and the exact seq of its first different record', async () => {
    const original = createMemoryJournalStore();
    await run(fanIn(), { store: original });
    const priced = (await original.read('price', 0, 100_000)).filter((r) => r.kind === 'data');
    const changed = priced.filter((r) => (r.payload as Tick).n >= 100);
    const report = await replay(fanIn({ from: 100, factor: 3 }), { original, into: createMemoryJournalStore() });
    expect(report.verdict).to.equal('divergence');
    expect(report.first?.stage).to.equal('price');
    expect(report.first?.seq).to.equal(changed[0]?.seq);
    expect(report.first?.field).to.equal('payload');
    expect(report.differences, 'the counts and windows do not read the price').to.equal(changed.length);
  });

  it('refuses a flow whose graph changed, writing nothing', async () => {
    const original = createMemoryJournalStore();
    await run(fanIn(), { store: original });
    const renamed = flow('fan-in', [sink('out', transform('priced', source('a', trickle(5, 'a')), (v: Tick) => v), collect([]))]);
    const into = createMemoryJournalStore();
    const report = await replay(renamed, { original, into });
    expect(report.verdict).to.equal('refused');
    expect(report.reason).to.match(/stage "priced" added/);
    expect(await into.journals()).to.deep.equal([]);
  });

  it('refuses to replay into a store that is not empty', async () => {
    const original = createMemoryJournalStore();
    await run(fanIn(), { store: original });
    const report = await replay(fanIn(), { original, into: original });
    expect(report.verdict).to.equal('refused');
    expect(report.reason).to.match(/not empty/);
  });
});
