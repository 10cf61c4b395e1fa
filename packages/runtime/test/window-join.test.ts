import { expect } from 'chai';
import { createMemoryJournalStore, flow, FlowDefinitionError, sink, source, windowJoin, type ErrorPayload, type JournalStore } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Person {
  readonly id: number;
  readonly t: number;
}
interface Auction {
  readonly seller: number;
  readonly t: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A source the test feeds: `push` values, `end()` it. */
function fed<T>(): { handler: ReturnType<typeof live<T>>; push: (...values: T[]) => void; end: () => void } {
  const queue: T[] = [];
  let ended = false;
  return { handler: live(() => queue.splice(0), () => ended), push: (...values) => queue.push(...values), end: () => (ended = true) };
}

/** Waits until `stage` has consumed `n` records of `upstream`. */
async function consumed(store: JournalStore, stage: string, upstream: string, n: number): Promise<void> {
  while ((await store.cursor(stage, upstream)) < n) await tick();
}

/** q8's shape: people and auctions by seller in 10 s tumbling windows; pairs as `id@start`. */
function q8(people: ReturnType<typeof fed<Person>>, auctions: ReturnType<typeof fed<Auction>>, pairs: string[], late: unknown[]) {
  const joined = windowJoin('q8', source('people', people.handler, { eventTime: { of: (p) => p.t } }), source('auctions', auctions.handler, { eventTime: { of: (a) => a.t } }), {
    leftKey: (p) => p.id,
    rightKey: (a) => a.seller,
    windowMs: 10_000,
    combine: (p, _a, w) => `${String(p.id)}@${String(w.start)}-${String(w.end)}`,
  });
  return flow('q8', [sink('pairs', joined, collect(pairs)), sink('late', joined.late, collect(late))]);
}

describe('windowJoin (event-time window join)', () => {
  it('pairs records of one key in the same tumbling window, whichever side comes first', async () => {
    const store = createMemoryJournalStore();
    const people = fed<Person>();
    const auctions = fed<Auction>();
    const pairs: string[] = [];
    const handle = run(q8(people, auctions, pairs, []), { store });
    auctions.push({ seller: 1, t: 1000 }, { seller: 2, t: 3000 });
    await consumed(store, 'q8', 'auctions', 2);
    // Person 1 after its auction, person 2 in another window than its auction, person 3 before.
    people.push({ id: 1, t: 2000 }, { id: 2, t: 12_000 }, { id: 3, t: 14_000 });
    await consumed(store, 'q8', 'people', 3);
    auctions.push({ seller: 3, t: 19_999 }, { seller: 3, t: 20_000 });
    people.end();
    auctions.end();
    await handle.done;
    expect(pairs).to.deep.equal(['1@0-10000', '3@10000-20000']);
  });

  it('drops a window\'s buffers once the watermark passes its end, and sends a record for a closed window to .late', async () => {
    const store = createMemoryJournalStore();
    const people = fed<Person>();
    const auctions = fed<Auction>();
    const pairs: string[] = [];
    const late: unknown[] = [];
    const handle = run(q8(people, auctions, pairs, late), { store });
    people.push({ id: 1, t: 1000 }, { id: 2, t: 2000 });
    auctions.push({ seller: 1, t: 1500 }, { seller: 9, t: 5000 });
    await consumed(store, 'q8', 'people', 2);
    await consumed(store, 'q8', 'auctions', 2);
    expect(await store.countKeyed('q8'), 'window 0: people 1, 2 and sellers 1, 9').to.equal(4);
    // Both inputs move past 10 s: the stage's watermark (their minimum) closes window 0.
    people.push({ id: 5, t: 31_000 });
    auctions.push({ seller: 6, t: 30_500 });
    await consumed(store, 'q8', 'people', 3);
    await consumed(store, 'q8', 'auctions', 3);
    while ((await store.countKeyed('q8')) !== 2) await tick();
    const keys = (await store.scanKeyed('q8', { limit: 10 })).map((e) => e.key);
    expect(keys.every((k) => k.startsWith(String(30_000).padStart(16, '0'))), keys.join()).to.equal(true);
    // Person 1's window has closed: its auction now is late, not silently dropped.
    auctions.push({ seller: 1, t: 9000 });
    people.end();
    auctions.end();
    await handle.done;
    expect(pairs).to.deep.equal(['1@0-10000']);
    expect(late).to.deep.equal([{ seller: 1, t: 9000 }]);
    expect(await store.countKeyed('q8'), 'EOF closes every window').to.equal(0);
  });

  it('sends a record without event time to the error lane naming the stage', async () => {
    const store = createMemoryJournalStore();
    const joined = windowJoin('wj', source('l', items([{ k: 1 }])), source('r', items([{ k: 1 }])), {
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      windowMs: 1000,
      combine: (l) => l,
    });
    const summary = await run(flow('wj', [sink('out', joined, collect([])), sink('late', joined.late, collect([]))]), { store });
    expect(summary.stages['wj']?.errors).to.equal(2);
    const [error] = (await store.read('wj', 0, 10)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(error?.message).to.match(/^window join "wj": record #1 has no event time/);
  });

  it('resumes after a stop with the open windows\' buffers and the watermark: every pair once', async () => {
    const store = createMemoryJournalStore();
    const pairs: string[] = [];
    const people = fed<Person>();
    const auctions = fed<Auction>();
    const handle = run(q8(people, auctions, pairs, []), { store });
    people.push({ id: 1, t: 1000 }, { id: 2, t: 11_000 });
    auctions.push({ seller: 2, t: 12_000 });
    await consumed(store, 'q8', 'people', 2);
    await consumed(store, 'q8', 'auctions', 1);
    await handle.stop('graceful');
    expect(pairs).to.deep.equal(['2@10000-20000']);
    const people2 = fed<Person>();
    const auctions2 = fed<Auction>();
    const late: unknown[] = [];
    const again = run(q8(people2, auctions2, pairs, late), { store });
    // The sources resume from their positions: only new records come.
    people2.push({ id: 9, t: 13_000 });
    // The watermark read back (11 s) has closed window 0: seller 1's auction is late.
    auctions2.push({ seller: 1, t: 9000 }, { seller: 9, t: 14_000 }, { seller: 2, t: 19_000 });
    people2.end();
    auctions2.end();
    await again.done;
    expect(pairs[0]).to.equal('2@10000-20000');
    expect(pairs.slice(1).sort()).to.deep.equal(['2@10000-20000', '9@10000-20000']);
    expect(late).to.deep.equal([{ seller: 1, t: 9000 }]);
  });

  it('fails at definition for the same upstream twice or a bad window, naming the stage', () => {
    const one = source('one', items([{ k: 1 }]));
    const options = { leftKey: (x: { k: number }) => x.k, rightKey: (x: { k: number }) => x.k, windowMs: 10, combine: (x: { k: number }) => x };
    expect(() => windowJoin('twice', one, one, options)).to.throw(FlowDefinitionError, /"twice" reads the same upstream twice/);
    expect(() => windowJoin('zero', one, source('two', items([{ k: 1 }])), { ...options, windowMs: 0 })).to.throw(FlowDefinitionError, /window join "zero": windowMs/);
  });
});
