import { dedupe, windowJoin } from '@sluice/core';
import type { Auction, NexmarkEvent, Person } from '../model.ts';
import { withLateAsErrors } from './q5.ts';
import { defineQuery } from './query.ts';
import { auctionsOf, personsOf } from './streams.ts';

/** A row of q8: a person who opened an auction in the 10 s tumbling window they joined in. */
export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
  readonly endtime: number;
}

const WINDOW = 10_000;

/**
 * q8, monitor new users: people and auction sellers in the same 10 s tumbling window of event
 * time with `P.id = A.seller`, one row per person and window (the SQL groups each side by its
 * key and window before the join). A window join emits a row per (person, auction) pair as the
 * later arrives; `dedupe` keeps the first per person and window. The join's buffers go when the
 * watermark passes a window's end; a late record would go to its error lane.
 */
export const q8 = defineQuery<Q8Row>({
  name: 'q8',
  title: 'monitor new users',
  columns: ['id', 'name', 'starttime', 'endtime'],
  build: (events) => {
    const people = personsOf(events, 'q8.persons');
    const auctions = auctionsOf(events, 'q8.auctions');
    const pairs = windowJoin('q8.join', people, auctions, {
      leftKey: (p: Person) => p.id,
      rightKey: (a: Auction) => a.seller,
      windowMs: WINDOW,
      combine: (p, _a, w): Q8Row => ({ id: p.id, name: p.name, starttime: w.start, endtime: w.end }),
    });
    const rows = dedupe('q8.rows', pairs, (r) => `${String(r.id)}:${String(r.starttime)}`, { within: WINDOW });
    return withLateAsErrors('q8', rows, [pairs.late]);
  },
  reference: q8Reference,
});

/** q8 over an array: the (seller, window) pairs of the auctions, then the people in them. */
export function q8Reference(events: readonly NexmarkEvent[]): Q8Row[] {
  const start = (t: number): number => t - (t % WINDOW);
  const sold = new Set<string>();
  for (const e of events) if (e.auction !== undefined) sold.add(`${String(e.auction.seller)}:${String(start(e.auction.dateTime))}`);
  const rows: Q8Row[] = [];
  for (const e of events) {
    const p = e.person;
    if (p === undefined) continue;
    const s = start(p.dateTime);
    if (sold.has(`${String(p.id)}:${String(s)}`)) rows.push({ id: p.id, name: p.name, starttime: s, endtime: s + WINDOW });
  }
  return rows;
}
