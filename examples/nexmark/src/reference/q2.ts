import type { NexmarkEvent } from '../model.ts';

/** A row of q2: an auction and a bid's price. */
export interface Q2Row {
  readonly auction: number;
  readonly price: number;
}

/** q2 over an array: the bids on auctions whose id is a multiple of 123. */
export function q2Reference(events: readonly NexmarkEvent[]): Q2Row[] {
  return events.flatMap((e) => (e.bid && e.bid.auction % 123 === 0 ? [{ auction: e.bid.auction, price: e.bid.price }] : []));
}
