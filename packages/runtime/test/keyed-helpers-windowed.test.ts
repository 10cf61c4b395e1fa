import { expect } from 'chai';
import { createMemoryJournalStore, flow, groupBy, session, sink, source, tumbling, type JournalStore, type StageRef, type WindowedRef } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

interface Bid {
  readonly auction: string;
  readonly price: number;
  readonly t: number;
}

const bids: Bid[] = [
  { auction: 'a', price: 5, t: 1_000 },
  { auction: 'b', price: 7, t: 2_000 },
  { auction: 'a', price: 9, t: 9_000 },
  { auction: 'a', price: 4, t: 11_000 },
  { auction: 'b', price: 8, t: 12_000 },
  { auction: 'a', price: 6, t: 25_000 },
];

const timed = (values: readonly Bid[] = bids): StageRef<Bid> =>
  source('bids', items(values), { eventTime: { of: (b: Bid) => b.t }, batchSize: 2 });

/** Runs a windowed helper to its end (its late lane must be read too) and returns its results. */
async function drain<T>(out: WindowedRef<T, Bid>, store: JournalStore = createMemoryJournalStore()): Promise<T[]> {
  const into: T[] = [];
  await run(flow('windowed', [sink('sink', out, collect(into)), sink('late', out.late, collect([]))]), { store });
  return into;
}

describe('keyed helpers on window close (windowedBy)', () => {
  it('count emits {key, start, end, count} once per key and tumbling window', async () => {
    const out = await drain(groupBy('per-auction', timed(), (b) => b.auction).windowedBy(tumbling(10_000)).count());
    expect(out).to.deep.equal([
      { key: 'a', start: 0, end: 10_000, count: 2 },
      { key: 'b', start: 0, end: 10_000, count: 1 },
      { key: 'a', start: 10_000, end: 20_000, count: 1 },
      { key: 'b', start: 10_000, end: 20_000, count: 1 },
      { key: 'a', start: 20_000, end: 30_000, count: 1 },
    ]);
  });

  it('reduce and aggregate emit {key, start, end, value}; sessions merge with combine', async () => {
    const max = await drain(
      groupBy('max', timed(), (b) => b.auction)
        .windowedBy(session(5_000))
        .reduce((a, b) => (b.price > a.price ? b : a)),
    );
    expect(max.map((r) => [r.key, r.start, r.end, r.value.price])).to.deep.equal([
      ['a', 1_000, 6_000, 5],
      ['b', 2_000, 7_000, 7],
      ['a', 9_000, 16_000, 9],
      ['b', 12_000, 17_000, 8],
      ['a', 25_000, 30_000, 6],
    ]);
    const avg = await drain(
      groupBy('avg', timed(), () => 'all')
        .windowedBy(tumbling(20_000))
        .aggregate({ init: () => ({ n: 0, sum: 0 }), add: (a, b) => ({ n: a.n + 1, sum: a.sum + b.price }), result: (a) => a.sum / a.n }),
    );
    expect(avg).to.deep.equal([
      { key: 'all', start: 0, end: 20_000, value: (5 + 7 + 9 + 4 + 8) / 5 },
      { key: 'all', start: 20_000, end: 40_000, value: 6 },
    ]);
  });

  it('sends records behind the watermark to .late, never dropped', async () => {
    const late = [...bids.slice(0, 5), { auction: 'a', price: 1, t: 3_000 }];
    const counts = groupBy('per-auction', timed(late), (b) => b.auction).windowedBy(tumbling(10_000)).count();
    const lateOut: Bid[] = [];
    const out: unknown[] = [];
    await run(flow('windowed', [sink('sink', counts, collect(out)), sink('late', counts.late, collect(lateOut))]), {
      store: createMemoryJournalStore(),
    });
    expect(lateOut).to.deep.equal([{ auction: 'a', price: 1, t: 3_000 }]);
    expect(out).to.have.length(4);
  });
});
