import { flatMap, groupBy, reduce, streamJoin, transform } from '@sluice/core';
import type { Auction, Bid, NexmarkEvent } from '../model.ts';
import { defineQuery } from './query.ts';
import { auctionsOf, bidsOf } from './streams.ts';

/** A row of q4: a category and the average winning price of its auctions. */
export interface Q4Row {
  readonly id: number;
  readonly final: number;
}

/** A bid made while its auction was open, with the auction's category. */
interface Valid {
  readonly auction: number;
  readonly category: number;
  readonly price: number;
}

/**
 * q4, average price per category: the highest bid of each auction among those made between its
 * `dateTime` and `expires` (`MAX(B.price) … GROUP BY A.id, A.category`), then their average per
 * category (`AVG` of BIGINT: truncated to an integer, as in Flink). The SQL is an updating
 * query; this is its final result, one row per category at the end of input. A stream join of
 * auctions and bids by auction id, then two keyed stages emitting at EOF.
 */
export const q4 = defineQuery<Q4Row>({
  name: 'q4',
  title: 'average price per category',
  columns: ['id', 'final'],
  build: (events) => {
    const auctions = auctionsOf(events, 'q4.auctions');
    const bids = bidsOf(events, 'q4.bids');
    const pairs = streamJoin('q4.join', auctions, bids, {
      leftKey: (a: Auction) => a.id,
      rightKey: (b: Bid) => b.auction,
      combine: (a, b) => ({ auction: a.id, category: a.category, price: b.price, open: b.dateTime >= a.dateTime && b.dateTime <= a.expires }),
    });
    const valid = flatMap('q4.valid', pairs, ({ open, ...v }): Valid[] => (open ? [v] : []));
    const winning = reduce('q4.max', valid, (v) => v.auction, (a, b) => (b.price > a.price ? b : a), { emit: 'eof' });
    const perCategory = groupBy('q4.avg', winning, (w) => w.value.category).aggregate(
      { init: () => ({ sum: 0, n: 0 }), add: (acc, w) => ({ sum: acc.sum + w.value.price, n: acc.n + 1 }) },
      { emit: 'eof' },
    );
    return transform('q4', perCategory, ({ key, value }): Q4Row => ({ id: Number(key), final: Math.trunc(value.sum / value.n) }));
  },
  reference: q4Reference,
});

/** q4 over an array: per auction the highest bid made while it was open, then the average per category. */
export function q4Reference(events: readonly NexmarkEvent[]): Q4Row[] {
  const auctions = new Map<number, Auction>();
  for (const e of events) if (e.auction !== undefined) auctions.set(e.auction.id, e.auction);
  const best = new Map<number, number>();
  for (const e of events) {
    const b = e.bid;
    const a = b === undefined ? undefined : auctions.get(b.auction);
    if (b === undefined || a === undefined || b.dateTime < a.dateTime || b.dateTime > a.expires) continue;
    best.set(a.id, Math.max(best.get(a.id) ?? -Infinity, b.price));
  }
  const sums = new Map<number, { sum: number; n: number }>();
  for (const [id, price] of best) {
    const category = auctions.get(id)?.category ?? -1;
    const acc = sums.get(category) ?? { sum: 0, n: 0 };
    sums.set(category, { sum: acc.sum + price, n: acc.n + 1 });
  }
  return [...sums].map(([id, { sum, n }]) => ({ id, final: Math.trunc(sum / n) }));
}
