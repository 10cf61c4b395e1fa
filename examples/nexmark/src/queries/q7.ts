import { flatMap, tumbling, window } from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';
import { withLateAsErrors } from './q5.ts';
import { defineQuery } from './query.ts';
import { bidsOf } from './streams.ts';

/** A row of q7: a bid with the highest price of its 10 s window, and that window. */
export interface Q7Row {
  readonly auction: number;
  readonly price: number;
  readonly bidder: number;
  readonly dateTime: number;
  readonly extra: string;
  readonly starttime: number;
  readonly endtime: number;
}

const SIZE = 10_000;

const rowOf = (b: Bid, starttime: number, endtime: number): Q7Row => ({
  auction: b.auction,
  price: b.price,
  bidder: b.bidder,
  dateTime: b.dateTime,
  extra: b.extra,
  starttime,
  endtime,
});

/**
 * q7, highest bid: per tumbling 10 s window, the bids with the window's highest price (ties all
 * kept), with the SQL's columns and the window's bounds. One window stage keeps, per window, the
 * highest price and the bids at it. (The SQL joins on `dateTime BETWEEN end - 10 s AND end`,
 * which also takes a bid at exactly `end` of the next window at the same price; here a bid
 * belongs to its own window `[start, end)` only.)
 */
export const q7 = defineQuery<Q7Row>({
  name: 'q7',
  title: 'highest bid',
  columns: ['auction', 'price', 'bidder', 'dateTime', 'extra', 'starttime', 'endtime'],
  build: (events) => {
    const bids = bidsOf(events, 'q7.bids');
    const highest = window('q7.highest', bids, {
      windows: tumbling(SIZE),
      aggregate: { init: (): Bid[] => [], add: (top, b: Bid) => (top.length === 0 || b.price > (top[0]?.price ?? 0) ? [b] : b.price === top[0]?.price ? [...top, b] : top) },
      result: (top, { start, end }) => top.map((b) => rowOf(b, start, end)),
    });
    return withLateAsErrors('q7', flatMap('q7.rows', highest, (rows) => rows), [highest.late]);
  },
  reference: q7Reference,
});

/** q7 over an array: per 10 s window, the bids at its highest price. */
export function q7Reference(events: readonly NexmarkEvent[]): Q7Row[] {
  const windows = new Map<number, Bid[]>();
  for (const bid of events.flatMap((e): Bid[] => (e.bid === undefined ? [] : [e.bid]))) {
    const start = bid.dateTime - (bid.dateTime % SIZE);
    const held = windows.get(start);
    if (held === undefined) windows.set(start, [bid]);
    else held.push(bid);
  }
  return [...windows].flatMap(([start, bids]) => {
    const max = Math.max(...bids.map((b) => b.price));
    return bids.filter((b) => b.price === max).map((b) => rowOf(b, start, start + SIZE));
  });
}
