import type { NexmarkEvent } from '../model.ts';

/** A row of q1: a bid with its price in euros. */
export interface Q1Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

/** q1 over an array: every bid, its price × 0.908 rounded to 3 decimals (DECIMAL(23, 3)). */
export function q1Reference(events: readonly NexmarkEvent[]): Q1Row[] {
  const rows: Q1Row[] = [];
  for (const e of events) {
    if (!e.bid) continue;
    const euros = Math.round(0.908 * e.bid.price * 1000) / 1000;
    rows.push({ auction: e.bid.auction, bidder: e.bid.bidder, price: euros, dateTime: e.bid.dateTime, extra: e.bid.extra });
  }
  return rows;
}
