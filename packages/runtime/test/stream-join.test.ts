import { expect } from 'chai';
import { createMemoryJournalStore, flow, FlowDefinitionError, sink, source, streamJoin, type CommitBatch, type ErrorPayload, type JournalStore } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Person {
  readonly id: number;
  readonly name: string;
}
interface Auction {
  readonly id: number;
  readonly seller: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A source the test feeds: `push` values, `end()` it. */
function fed<T>(): { handler: ReturnType<typeof live<T>>; push: (...values: T[]) => void; end: () => void } {
  const queue: T[] = [];
  let ended = false;
  return { handler: live(() => queue.splice(0), () => ended), push: (...values) => queue.push(...values), end: () => (ended = true) };
}

describe('streamJoin (regular keyed join)', () => {
  it('joins every auction with its seller, whichever arrives first, one-to-many', async () => {
    const store = createMemoryJournalStore();
    const people = fed<Person>();
    const auctions = fed<Auction>();
    const out: string[] = [];
    const joined = streamJoin('q3', source('people', people.handler), source('auctions', auctions.handler), {
      leftKey: (p) => p.id,
      rightKey: (a) => a.seller,
      combine: (p, a) => `${p.name}:${String(a.id)}`,
    });
    const handle = run(flow('join', [sink('out', joined, collect(out))]), { store });
    // Auctions of seller 1 before the seller, one of seller 2 after.
    auctions.push({ id: 10, seller: 1 }, { id: 11, seller: 1 });
    while ((await store.cursor('q3', 'auctions')) < 2) await tick();
    people.push({ id: 1, name: 'ann' }, { id: 2, name: 'bob' });
    while (out.length < 2) await tick();
    auctions.push({ id: 12, seller: 2 }, { id: 13, seller: 1 }, { id: 14, seller: 3 });
    people.end();
    auctions.end();
    await handle.done;
    // The seller's arrival pairs with the stored auctions in their arrival order.
    expect(out).to.deep.equal(['ann:10', 'ann:11', 'bob:12', 'ann:13']);
    expect(await store.countKeyed('q3'), 'a count and a chunk for each of l:1, l:2, r:1, r:2, r:3').to.equal(10);
    expect(await store.getKeyed('q3', 'r:1')).to.equal(3);
    expect(await store.getKeyed('q3', 'R:00000000:1')).to.deep.equal([{ id: 10, seller: 1 }, { id: 11, seller: 1 }, { id: 13, seller: 1 }]);
  });

  it('pairs many with many, each arrival with the stored other side in its arrival order', async () => {
    const store = createMemoryJournalStore();
    const lefts = fed<{ k: string; n: number }>();
    const rights = fed<{ k: string; m: number }>();
    const out: string[] = [];
    const joined = streamJoin('j', source('l', lefts.handler), source('r', rights.handler), {
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      combine: (l, r) => `${String(l.n)}-${String(r.m)}`,
    });
    const handle = run(flow('join', [sink('out', joined, collect(out))]), { store });
    lefts.push({ k: 'a', n: 1 }, { k: 'a', n: 2 }, { k: 'b', n: 3 });
    while ((await store.cursor('j', 'l')) < 3) await tick();
    rights.push({ k: 'a', m: 1 }, { k: 'a', m: 2 }, { k: 'c', m: 3 });
    lefts.push({ k: 'a', n: 4 });
    lefts.end();
    rights.end();
    await handle.done;
    const order = ['1-1', '2-1', '1-2', '2-2'];
    // n: 4 arrives in the same or a later read than the rights: it meets both of them, in order.
    expect(out.filter((p) => !p.startsWith('4-'))).to.deep.equal(order);
    expect(out.filter((p) => p.startsWith('4-'))).to.deep.equal(['4-1', '4-2']);
  });

  it('sends a failing key or combine to the error lane and keeps joining', async () => {
    const store = createMemoryJournalStore();
    const out: number[] = [];
    let twos = 0;
    const joined = streamJoin('j', source('l', items([1, 2, -1])), source('r', items([1, 2, 2])), {
      leftKey: (l) => {
        if (l < 0) throw new Error('negative key');
        return l;
      },
      rightKey: (r) => r,
      combine: (l, r) => {
        if (l === 2 && (twos += 1) === 2) throw new Error('second pair of 2');
        return l * r;
      },
    });
    const summary = await run(flow('join', [sink('out', joined, collect(out))]), { store });
    expect(out).to.deep.equal([1, 4]);
    expect(summary.stages['j']?.errors).to.equal(2);
    const errors = (await store.read('j', 0, 100)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(errors.map((e) => e.message).sort()).to.deep.equal(['negative key', 'second pair of 2']);
    expect(errors.find((e) => e.message === 'second pair of 2')?.input).to.deep.equal({ left: 2, right: 2 });
  });

  it('resumes after a stop: every pair once, with the stored sides from before', async () => {
    const store = createMemoryJournalStore();
    const people = Array.from({ length: 12 }, (_, i) => ({ id: i, name: `p${String(i)}` }));
    const auctions = Array.from({ length: 36 }, (_, i) => ({ id: 100 + i, seller: (i * 7) % 12 }));
    const open = { people: 6, auctions: 20 };
    let p = 0;
    let a = 0;
    const make = (into: string[]) =>
      flow('join', [
        sink('out', streamJoin('q3',
          source('people', live(() => (p < open.people ? [people[p++] as Person] : []), () => p >= people.length)),
          source('auctions', live(() => (a < open.auctions ? [auctions[a++] as Auction] : []), () => a >= auctions.length)),
          { leftKey: (x) => x.id, rightKey: (x) => x.seller, combine: (x, y) => `${x.name}:${String(y.id)}` }, { batchSize: 4 }), collect(into)),
      ]);
    const first: string[] = [];
    const handle = run(make(first), { store });
    while ((await store.cursor('q3', 'auctions')) < 20 || (await store.cursor('q3', 'people')) < 6) await tick();
    await handle.stop('graceful');
    open.people = 12;
    open.auctions = 36;
    const second: string[] = [];
    await run(make(second), { store });
    const expected = auctions.map((x) => `p${String(x.seller)}:${String(x.id)}`).sort();
    expect(first.length).to.be.above(0);
    expect([...first, ...second].sort()).to.deep.equal(expected);
  });

  it('with within: pairs only records close enough in event time, and the watermark deletes what can no longer pair', async () => {
    const store = createMemoryJournalStore();
    const lefts = fed<{ k: string; t: number }>();
    const rights = fed<{ k: string; t: number }>();
    const out: string[] = [];
    const joined = streamJoin('j', source('l', lefts.handler, { eventTime: { of: (l) => l.t } }), source('r', rights.handler, { eventTime: { of: (r) => r.t } }), {
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      within: 1000,
      combine: (l, r) => `${l.k}${String(l.t)}-${String(r.t)}`,
    });
    const handle = run(flow('join', [sink('out', joined, collect(out))]), { store });
    lefts.push({ k: 'a', t: 1000 });
    rights.push({ k: 'a', t: 1500 }, { k: 'a', t: 2500 });
    while ((await store.cursor('j', 'r')) < 2 || (await store.cursor('j', 'l')) < 1) await tick();
    expect(await store.countKeyed('j'), 'l:a, r:a with a chunk each, and an index entry each of 3 expiries').to.equal(7);
    // Both inputs move to 10 s: the watermark (their minimum) passes 2.5 s + 1 s.
    lefts.push({ k: 'b', t: 10_000 });
    rights.push({ k: 'c', t: 10_000 });
    while ((await store.countKeyed('j')) !== 6) await tick();
    expect((await store.scanKeyed('j', { limit: 10 })).map((e) => e.key)).to.deep.equal([
      'L:00000000:b',
      'R:00000000:c',
      'l:b',
      'r:c',
      `x:${'11000'.padStart(16, '0')}:0:b`,
      `x:${'11000'.padStart(16, '0')}:1:c`,
    ]);
    rights.push({ k: 'b', t: 10_500 }, { k: 'a', t: 10_000 });
    lefts.end();
    rights.end();
    await handle.done;
    expect(out).to.deep.equal(['a1000-1500', 'b10000-10500']);
  });

  it('with within: a record without event time goes to the error lane naming the stage', async () => {
    const store = createMemoryJournalStore();
    const joined = streamJoin('j', source('l', items([1])), source('r', items([1])), { leftKey: (x) => x, rightKey: (x) => x, within: 10, combine: (x) => x });
    const summary = await run(flow('join', [sink('out', joined, collect([]))]), { store });
    expect(summary.stages['j']?.errors).to.equal(2);
    const [error] = (await store.read('j', 0, 10)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(error?.message).to.match(/^stream join "j": record #1 has no event time/);
  });

  it('stores a hot key\'s records in chunks: an append writes its last chunk, not the whole list', async () => {
    const inner = createMemoryJournalStore();
    let largest = 0;
    const store: JournalStore = {
      ...inner,
      commit: (batch: CommitBatch) => {
        if (batch.stage === 'j') for (const { value } of batch.keyed ?? []) if (Array.isArray(value)) largest = Math.max(largest, value.length);
        return inner.commit(batch);
      },
    };
    const rights = Array.from({ length: 700 }, (_, m) => ({ k: 'hot', m }));
    const lefts = fed<{ k: string; n: number }>();
    const out: string[] = [];
    const joined = streamJoin('j', source('l', lefts.handler), source('r', items(rights), { batchSize: 50 }), {
      leftKey: (l) => l.k,
      rightKey: (r) => r.k,
      combine: (l, r) => `${String(l.n)}-${String(r.m)}`,
    }, { batchSize: 50 });
    const handle = run(flow('join', [sink('out', joined, collect(out))]), { store });
    while ((await inner.cursor('j', 'r')) < 700) await tick();
    lefts.push({ k: 'hot', n: 1 });
    lefts.end();
    await handle.done;
    expect(out).to.deep.equal(rights.map((r) => `1-${String(r.m)}`));
    expect(await inner.getKeyed('j', 'r:hot')).to.equal(700);
    expect(largest, 'no value written holds more than a chunk').to.equal(128);
  });

  it('fails at definition for the same upstream twice, naming the stage', () => {
    const one = source('one', items([1]));
    expect(() => streamJoin('twice', one, one, { leftKey: (x) => x, rightKey: (x) => x, combine: (x) => x })).to.throw(FlowDefinitionError, /"twice" reads the same upstream twice/);
  });
});
