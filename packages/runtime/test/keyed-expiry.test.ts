import { expect } from 'chai';
import { createMemoryJournalStore, dedupe, flow, keyed, sink, source } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

interface Event {
  readonly id: string;
  readonly t: number;
}

describe('keyed expiry', () => {
  it('dedupe forgets a key once the watermark is past its span, so its state does not grow with every key ever seen', async () => {
    const store = createMemoryJournalStore();
    // 2,000 distinct ids, 10 ms apart, each repeated 30 ms later: a repeat within the span.
    const events: Event[] = [];
    for (let i = 0; i < 2000; i++) events.push({ id: `k${String(i)}`, t: i * 10 });
    for (let i = 0; i < 2000; i++) events.push({ id: `k${String(i)}`, t: i * 10 + 30 });
    events.sort((a, b) => a.t - b.t);
    const out: Event[] = [];
    const src = source('events', items(events), { eventTime: { of: (e) => e.t }, batchSize: 50 });
    await run(flow('dedupe', [sink('out', dedupe('once', src, (e) => e.id, { within: 100, batchSize: 50 }), collect(out))]), { store });
    expect(out.map((e) => e.id), 'each id once, the repeat within 100 ms dropped').to.deep.equal([...new Set(events.map((e) => e.id))]);
    const held = await store.countKeyed('once');
    expect(held, 'only the ids of the last span or so (and their index entries) are left').to.be.below(200);
  });

  it('a key that expired and comes back passes again, from init', async () => {
    const store = createMemoryJournalStore();
    const events: Event[] = [{ id: 'a', t: 0 }, { id: 'b', t: 10 }, { id: 'a', t: 50 }, { id: 'z', t: 5000 }, { id: 'a', t: 5001 }];
    const out: Event[] = [];
    const src = source('events', items(events), { eventTime: { of: (e) => e.t }, batchSize: 1 });
    await run(flow('again', [sink('out', dedupe('once', src, (e) => e.id, { within: 1000, batchSize: 1 }), collect(out))]), { store });
    expect(out).to.deep.equal([{ id: 'a', t: 0 }, { id: 'b', t: 10 }, { id: 'z', t: 5000 }, { id: 'a', t: 5001 }]);
    expect(await store.getKeyed('once', 'b'), 'b expired once the watermark passed 1010').to.equal(undefined);
  });

  it('a keyed stage with expireAt refuses keys starting with U+0001 (the index lives there), to the error lane', async () => {
    const store = createMemoryJournalStore();
    const counts = keyed('counts', source('in', items(['a', '\u0001x', 'a'])), {
      key: (v: string) => v,
      init: () => 0,
      step: (n: number) => n + 1,
      expireAt: () => undefined,
    });
    await run(flow('reserved', [sink('out', counts, collect([]))]), { store });
    const errors = (await store.read('counts', 0, 10)).filter((r) => r.kind === 'error');
    expect(JSON.stringify(errors[0]?.payload)).to.match(/reserved for key expiry/);
    expect(await store.getKeyed('counts', 'a')).to.equal(2);
  });
});
