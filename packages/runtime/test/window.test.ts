import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  session,
  sink,
  sliding,
  source,
  tumbling,
  window,
  type JournalStore,
  type WindowResult,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Bid {
  readonly auction: string;
  readonly at: number;
}

const bids = (spec: readonly [string, number][]): Bid[] => spec.map(([auction, at]) => ({ auction, at }));
const count = { init: () => 0, add: (n: number) => n + 1, merge: (a: number, b: number) => a + b };
const row = (r: WindowResult<number>): string => `${r.key}@${String(r.start)}-${String(r.end)}=${String(r.value)}`;

/** Runs `bids` through one window stage; returns its results and late records. */
async function windowed(
  values: readonly Bid[],
  options: Omit<Parameters<typeof window<Bid, number>>[2], 'aggregate'> & { outOfOrdernessMs?: number; batchSize?: number },
  store: JournalStore = createMemoryJournalStore(),
): Promise<{ results: string[]; late: Bid[] }> {
  const { outOfOrdernessMs = 0, batchSize = 3, ...windowOptions } = options;
  const src = source('bids', items(values), { eventTime: { of: (b) => b.at, outOfOrdernessMs }, batchSize });
  const counts = window('counts', src, { key: (b) => b.auction, aggregate: count, ...windowOptions }, { batchSize });
  const results: WindowResult<number>[] = [];
  const late: Bid[] = [];
  await run(flow('windows', [sink('out', counts, collect(results)), sink('late', counts.late, collect(late))]), { store });
  return { results: results.map(row), late };
}

describe('window stage', () => {
  it('tumbling: one count per key and window, closed by the watermark in (end, key, start) order', async () => {
    const { results, late } = await windowed(bids([['a', 1], ['b', 2], ['a', 9], ['a', 10], ['b', 19], ['a', 25]]), { windows: tumbling(10) });
    expect(results).to.deep.equal(['a@0-10=2', 'b@0-10=1', 'a@10-20=1', 'b@10-20=1', 'a@20-30=1']);
    expect(late).to.deep.equal([]);
  });

  it('sliding: a record counts in size/slide windows', async () => {
    const { results } = await windowed(bids([['a', 5], ['a', 12]]), { windows: sliding(10, 5) });
    expect(results).to.deep.equal(['a@0-10=1', 'a@5-15=2', 'a@10-20=1']);
  });

  it('session: per key, a record opens [t, t+gap) and overlapping sessions merge, also through a late bridge', async () => {
    const values = bids([['a', 0], ['b', 1], ['a', 20], ['a', 8], ['b', 40], ['a', 60]]);
    // a@0 and a@20 are apart (gap 10); a@8 opens [8, 18), which overlaps a@0's [0, 10).
    const { results } = await windowed(values, { windows: session(10), outOfOrdernessMs: 30 });
    expect(results).to.deep.equal(['b@1-11=1', 'a@0-18=2', 'a@20-30=1', 'b@40-50=1', 'a@60-70=1']);
    const bridged = await windowed(bids([['a', 0], ['a', 20], ['a', 10]]), { windows: session(10), outOfOrdernessMs: 30 });
    expect(bridged.results, 'a@10 touches both: one session').to.deep.equal(['a@0-30=3']);
  });

  it('sends a record behind the watermark for all its windows to the late lane; allowedLatenessMs takes it', async () => {
    const values = bids([['a', 1], ['a', 15], ['a', 3], ['a', 12], ['a', 31], ['a', 18]]);
    const strict = await windowed(values, { windows: tumbling(10) });
    // Watermark 15 after a@15: [0, 10) has closed, [10, 20) has not; after a@31, [10, 20) has too.
    expect(strict.late.map((b) => b.at)).to.deep.equal([3, 18]);
    expect(strict.results).to.deep.equal(['a@0-10=1', 'a@10-20=2', 'a@30-40=1']);
    const lenient = await windowed(values, { windows: tumbling(10), allowedLatenessMs: 10 });
    expect(lenient.late.map((b) => b.at), 'a@3 comes before watermark 10 + 10, a@18 after 20 + 10').to.deep.equal([18]);
    expect(lenient.results).to.deep.equal(['a@0-10=2', 'a@10-20=2', 'a@30-40=1']);
  });

  it('sends a record with no event time to the error lane', async () => {
    const store = createMemoryJournalStore();
    const src = source('bids', items(bids([['a', 1], ['a', 2]])));
    const counts = window('counts', src, { windows: tumbling(10), aggregate: count, time: (b) => (b.at === 2 ? Number.NaN : b.at) });
    const results: WindowResult<number>[] = [];
    const summary = await run(flow('windows', [sink('out', counts, collect(results)), sink('late', counts.late, collect([]))]), { store });
    expect(results.map(row)).to.deep.equal(['@0-10=1']);
    expect(summary.stages['counts']?.errors).to.equal(1);
    const untimed = window('counts', source('bids', items(bids([['a', 1]]))), { windows: tumbling(10), aggregate: count });
    const other = createMemoryJournalStore();
    await run(flow('windows', [sink('out', untimed, collect([])), sink('late', untimed.late, collect([]))]), { store: other });
    const [error] = (await other.read('counts', 0, 10)).filter((r) => r.kind === 'error');
    expect(JSON.stringify(error?.payload)).to.match(/has no event time/);
  });

  it('gives results event time end - 1 and the same rows whatever the batch size', async () => {
    const values = bids(Array.from({ length: 60 }, (_, i) => [`k${String(i % 4)}`, (i * 7) % 50 + i] as [string, number]));
    const rows = await Promise.all([1, 4, 100].map((batchSize) => windowed(values, { windows: sliding(20, 5), outOfOrdernessMs: 10, batchSize })));
    expect(rows[1]).to.deep.equal(rows[0]);
    expect(rows[2]).to.deep.equal(rows[0]);
    const store = createMemoryJournalStore();
    await windowed(values.slice(0, 5), { windows: tumbling(10) }, store);
    const data = (await store.read('counts', 0, 100)).filter((r) => r.kind === 'data' && r.port === 0);
    expect(data.map((r) => r.time)).to.deep.equal(data.map((r) => (r.payload as WindowResult<number>).end - 1));
  });

  it('stamps its results so a window downstream finds none of them late, with allowed lateness too', async () => {
    const values = bids(Array.from({ length: 300 }, (_, i) => [`k${String(i % 5)}`, i * 3 + (i % 7)] as [string, number]));
    for (const [batchSize, allowedLatenessMs] of [[1, 0], [50, 0], [1, 20], [50, 20]] as const) {
      const store = createMemoryJournalStore();
      const src = source('bids', items(values), { eventTime: { of: (b: Bid) => b.at, outOfOrdernessMs: 10 }, batchSize });
      const counts = window('counts', src, { key: (b) => b.auction, windows: sliding(20, 10), aggregate: count, allowedLatenessMs }, { batchSize });
      // Results carry event time end - 1: a tumbling window of the slide holds the results of one end.
      const perEnd = window('per-end', counts, { windows: tumbling(10), aggregate: { init: () => 0, add: (n: number, r: WindowResult<number>) => n + r.value } }, { batchSize });
      const totals: WindowResult<number>[] = [];
      const late: unknown[] = [];
      await run(flow('chained', [sink('out', perEnd, collect(totals)), sink('late', perEnd.late, collect(late)), sink('late0', counts.late, collect([]))]), { store });
      const how = `batch ${String(batchSize)}, lateness ${String(allowedLatenessMs)}`;
      expect(late, how).to.deep.equal([]);
      // No record of the stage's journal (result, late record, watermark mark) claims a time a later result is below.
      const journal = await store.read('counts', 0, 100_000);
      const behind = journal.filter((r, i) => r.watermark !== undefined && journal.slice(i + 1).some((l) => l.kind === 'data' && l.port === 0 && (l.time ?? 0) < (r.watermark ?? 0)));
      expect(behind, how).to.deep.equal([]);
      expect(totals.reduce((n, t) => n + t.value, 0)).to.equal(2 * values.length);
    }
  });

  it('sends a record whose key or add throws to the error lane (its windows as they were), and a result that throws too', async () => {
    const store = createMemoryJournalStore();
    const values = bids([['a', 1], ['', 2], ['a', 3], ['b', 3], ['a', 12]]);
    const src = source('bids', items(values), { eventTime: { of: (b: Bid) => b.at } });
    const counts = window('counts', src, {
      key: (b) => {
        if (b.auction === '') throw new Error('no auction');
        return b.auction;
      },
      windows: sliding(10, 5),
      aggregate: {
        init: () => 0,
        add: (n: number, b: Bid) => {
          if (b.auction === 'b') throw new Error('no bids on b');
          return n + 1;
        },
      },
      result: (n, { key, start, end }) => {
        if (start === 5) throw new Error('not this one');
        return { key, start, end, value: n };
      },
    });
    const results: WindowResult<number>[] = [];
    await run(flow('windows', [sink('out', counts, collect(results)), sink('late', counts.late, collect([]))]), { store });
    expect(results.map(row)).to.deep.equal(['a@-5-5=2', 'a@0-10=2', 'a@10-20=1']);
    const errors = (await store.read('counts', 0, 100)).filter((r) => r.kind === 'error').map((r) => (r.payload as { message: string }).message);
    expect(errors).to.deep.equal(['no auction', 'no bids on b', 'not this one']);
    expect(await store.countKeyed('counts'), 'the failed result was deleted with its window').to.equal(0);
  });

  it('closes windows with a scan of the closed ones only: the index sorts by window end', async () => {
    const inner = createMemoryJournalStore();
    let scanned = 0;
    const store: JournalStore = {
      ...inner,
      scanKeyed: async (stage, range) => {
        const found = await inner.scanKeyed(stage, range);
        if (stage === 'counts') scanned += found.length;
        return found;
      },
    };
    const values = bids(Array.from({ length: 2000 }, (_, i) => [`k${String(i % 20)}`, Math.floor(i / 2)] as [string, number]));
    const src = source('bids', items(values), { eventTime: { of: (b: Bid) => b.at }, batchSize: 10 });
    const counts = window('counts', src, { key: (b) => b.auction, windows: sliding(100, 10), aggregate: count }, { batchSize: 10 });
    const results: WindowResult<number>[] = [];
    await run(flow('windows', [sink('out', counts, collect(results)), sink('late', counts.late, collect([]))]), { store });
    // About 200 windows are open at any time, and 200 batches close some: a full scan would read ~40,000.
    expect(results.length).to.equal(20 * 109);
    expect(scanned, 'index entries read').to.equal(results.length);
  });

  it('closes windows as the watermark passes them, before EOF, and keeps no state for them', async () => {
    const store = createMemoryJournalStore();
    let next = 0;
    const src = source('bids', live(() => (next < 100 ? [{ auction: 'a', at: next++ }] : []), () => false), { eventTime: { of: (b: Bid) => b.at } });
    const counts = window('counts', src, { key: (b) => b.auction, windows: tumbling(10), aggregate: count });
    const results: WindowResult<number>[] = [];
    const handle = run(flow('windows', [sink('out', counts, collect(results)), sink('late', counts.late, collect([]))]), { store });
    while (results.length < 9) await new Promise((resolve) => setImmediate(resolve));
    await handle.stop('graceful');
    expect(results.map(row)).to.deep.equal(Array.from({ length: 9 }, (_, i) => `a@${String(i * 10)}-${String(i * 10 + 10)}=10`));
    expect(await store.countKeyed('counts'), 'one open window: its list and its index entry').to.equal(2);
  });

  it('continues from the committed windows after a stop and a restart: every window once', async () => {
    const store = createMemoryJournalStore();
    const all = bids(Array.from({ length: 200 }, (_, i) => [`k${String(i % 3)}`, i * 3] as [string, number]));
    let next = 0;
    // The first run gets half the bids and is stopped while its windows are open.
    let limit = all.length / 2;
    const make = (into: WindowResult<number>[]) => {
      const src = source('bids', live(() => (next < limit ? [all[next++] as Bid] : []), () => next >= all.length), { eventTime: { of: (b: Bid) => b.at } });
      const counts = window('counts', src, { key: (b) => b.auction, windows: sliding(30, 10), aggregate: count }, { batchSize: 7 });
      return flow('windows', [sink('out', counts, collect(into)), sink('late', counts.late, collect([]))]);
    };
    const first: WindowResult<number>[] = [];
    const handle = run(make(first), { store });
    while (next < limit || first.length < 20) await new Promise((resolve) => setImmediate(resolve));
    await handle.stop('graceful');
    expect(await store.countKeyed('counts'), 'open windows committed').to.be.above(0);
    limit = all.length;
    const second: WindowResult<number>[] = [];
    await run(make(second), { store });
    const expected = await windowed(all, { windows: sliding(30, 10), batchSize: 50 });
    expect([...first, ...second].map(row)).to.deep.equal(expected.results);
    expect(await store.scanKeyed('counts', { limit: 100 })).to.deep.equal([]);
  });
});
