import { flatMap } from '@sluice/core';
import { q2Reference, type Q2Row } from '../reference/q2.ts';
import { defineQuery } from './query.ts';

/** q2, selection: `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`. */
export const q2 = defineQuery<Q2Row>({
  name: 'q2',
  title: 'selection',
  columns: ['auction', 'price'],
  build: (events) =>
    flatMap('q2', events, (e) => {
      const b = e.bid;
      return b !== undefined && b.auction % 123 === 0 ? [{ auction: b.auction, price: b.price }] : [];
    }),
  reference: q2Reference,
});
