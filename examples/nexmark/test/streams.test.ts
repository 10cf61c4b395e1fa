import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, type SinkHandler } from '@sluice/core';
import { arraySource } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { generateEvents } from '../src/generator/generator.ts';
import { eventTimeOf, type NexmarkEvent } from '../src/model.ts';
import { auctionsOf, bidsOf, personsOf } from '../src/queries/streams.ts';

describe('nexmark streams: bids, auctions and persons of the events', () => {
  it('splits the events by kind, in order, with their event time (memory store)', async () => {
    const all = [...generateEvents(500)];
    const events = source('events', arraySource<NexmarkEvent>(all), { eventTime: { of: eventTimeOf } });
    const seen = { bids: [] as unknown[], auctions: [] as unknown[], persons: [] as unknown[] };
    const collect = <T>(into: unknown[]): SinkHandler<T, number> => ({
      open: () => ({ write: (values: readonly T[]) => into.push(...values) }),
    });
    const store = createMemoryJournalStore();
    const done = await run(
      flow('split', [
        sink('b', bidsOf(events), collect(seen.bids)),
        sink('a', auctionsOf(events), collect(seen.auctions)),
        sink('p', personsOf(events), collect(seen.persons)),
      ]),
      { store },
    ).done;
    expect(done.state).to.equal('completed');
    expect(seen.bids).to.deep.equal(all.flatMap((e) => (e.bid ? [e.bid] : [])));
    expect(seen.auctions).to.deep.equal(all.flatMap((e) => (e.auction ? [e.auction] : [])));
    expect(seen.persons).to.deep.equal(all.flatMap((e) => (e.person ? [e.person] : [])));
    const bids = (await store.read('bids', 0, 1000)).filter((r) => r.kind === 'data');
    expect(bids.filter((r) => r.time !== (r.payload as { dateTime: number }).dateTime)).to.have.length(0);
  });
});
