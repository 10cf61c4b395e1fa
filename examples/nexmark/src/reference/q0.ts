import type { NexmarkEvent } from '../model.ts';

/** A row of q0: a bid's columns. */
export interface Q0Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

/** q0 over an array: every bid, with its columns. */
export function q0Reference(events: readonly NexmarkEvent[]): Q0Row[] {
  const rows: Q0Row[] = [];
  for (const e of events) {
    if (e.bid) rows.push({ auction: e.bid.auction, bidder: e.bid.bidder, price: e.bid.price, dateTime: e.bid.dateTime, extra: e.bid.extra });
  }
  return rows;
}
