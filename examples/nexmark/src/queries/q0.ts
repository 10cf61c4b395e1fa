import { flatMap } from '@sluice/core';
import { q0Reference, type Q0Row } from '../reference/q0.ts';
import { defineQuery } from './query.ts';

/** q0, passthrough: `SELECT auction, bidder, price, dateTime, extra FROM bid`. */
export const q0 = defineQuery<Q0Row>({
  name: 'q0',
  title: 'passthrough',
  columns: ['auction', 'bidder', 'price', 'dateTime', 'extra'],
  build: (events) =>
    flatMap('q0', events, (e) => {
      const b = e.bid;
      return b === undefined ? [] : [{ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }];
    }),
  reference: q0Reference,
});
