import { flatMap, streamJoin } from '@sluice/core';
import type { Auction, NexmarkEvent, Person } from '../model.ts';
import { defineQuery } from './query.ts';

/** A row of q3: a seller in Oregon, Idaho or California and one of their category-10 auctions. */
export interface Q3Row {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

const CATEGORY = 10;
const STATES: readonly string[] = ['OR', 'ID', 'CA'];

/**
 * q3, local item suggestion: `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P
 * ON A.seller = P.id WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`. A regular (not
 * windowed) join of the two filtered streams: every auction with its seller, whichever arrives
 * first; both sides are kept per seller in keyed state.
 */
export const q3 = defineQuery<Q3Row>({
  name: 'q3',
  title: 'local item suggestion',
  columns: ['name', 'city', 'state', 'id'],
  build: (events) => {
    const sellers = flatMap('q3.persons', events, (e) => (e.person !== undefined && STATES.includes(e.person.state) ? [e.person] : []));
    const auctions = flatMap('q3.auctions', events, (e) => (e.auction?.category === CATEGORY ? [e.auction] : []));
    return streamJoin('q3', sellers, auctions, {
      leftKey: (p: Person) => p.id,
      rightKey: (a: Auction) => a.seller,
      combine: (p, a): Q3Row => ({ name: p.name, city: p.city, state: p.state, id: a.id }),
    });
  },
  reference: q3Reference,
});

/** q3 over an array: the people by id, then every matching auction with its seller. */
export function q3Reference(events: readonly NexmarkEvent[]): Q3Row[] {
  const people = new Map<number, Person>();
  for (const e of events) if (e.person !== undefined) people.set(e.person.id, e.person);
  const rows: Q3Row[] = [];
  for (const e of events) {
    const a = e.auction;
    const p = a === undefined ? undefined : people.get(a.seller);
    if (a !== undefined && p !== undefined && a.category === CATEGORY && STATES.includes(p.state)) rows.push({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
  return rows;
}
