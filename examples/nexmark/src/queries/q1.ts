import { flatMap } from '@sluice/core';
import { q1Reference, type Q1Row } from '../reference/q1.ts';
import { defineQuery } from './query.ts';

/**
 * q1, currency conversion: `SELECT auction, bidder, 0.908 * price AS price, dateTime, extra
 * FROM bid`. The SQL's DECIMAL(23, 3) is kept exact: price × 908 is an integer, then ÷ 1000.
 */
export const q1 = defineQuery<Q1Row>({
  name: 'q1',
  title: 'currency conversion',
  columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
  build: (events) =>
    flatMap('q1', events, (e) => {
      const b = e.bid;
      return b === undefined ? [] : [{ auction: b.auction, bidder: b.bidder, price: (b.price * 908) / 1000, dateTime: b.dateTime, extra: b.extra }];
    }),
  reference: q1Reference,
});
