import { ErrorCode, flatMap, merge, sliding, TerminalError, transform, tumbling, window, type StageRef } from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';
import { defineQuery } from './query.ts';
import { bidsOf } from './streams.ts';

/** A row of q5: an auction with the most bids of one sliding window, and that window. */
export interface Q5Row {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
  readonly endtime: number;
}

const SIZE = 10_000;
const SLIDE = 2_000;

/**
 * The rows, plus a stage per late lane that sends each late record to its error lane: a window's
 * late lane must be read, and a query writes only its rows. The generator's times never go back,
 * so none is expected; one would show in `sluice status` as an error, never be lost.
 */
export function withLateAsErrors<TRow>(name: string, rows: StageRef<TRow>, lanes: readonly StageRef<unknown>[]): StageRef<TRow> {
  const refused = lanes.map((lane, i) =>
    transform(`${name}.late${String(i)}`, lane, (value): never => {
      // Terminal: a late record is late on every attempt.
      throw new TerminalError(ErrorCode.MalformedInput, `${name}: late record ${JSON.stringify(value)}`);
    }),
  );
  return merge(name, [rows, ...refused]);
}

/**
 * q5, hot items: per sliding window of 10 s every 2 s, the auctions with the most bids (ties
 * all kept). The SQL (a count per auction and window, joined with the window's maximum) as two
 * window stages: the counts, closed by the watermark, then per window end (a count's event time
 * is its window's end - 1, so a 2 s tumbling window holds the counts of one window) the highest.
 */
export const q5 = defineQuery<Q5Row>({
  name: 'q5',
  title: 'hot items',
  columns: ['auction', 'num', 'starttime', 'endtime'],
  build: (events) => {
    const bids = bidsOf(events, 'q5.bids');
    const counts = window('q5.counts', bids, {
      key: (b) => b.auction,
      windows: sliding(SIZE, SLIDE),
      aggregate: { init: () => 0, add: (n: number) => n + 1 },
      result: (num, { key, start, end }): Q5Row => ({ auction: Number(key), num, starttime: start, endtime: end }),
    });
    const hottest = window('q5.hottest', counts, {
      windows: tumbling(SLIDE),
      aggregate: { init: (): Q5Row[] => [], add: (top, row: Q5Row) => (top.length === 0 || row.num > (top[0]?.num ?? 0) ? [row] : row.num === top[0]?.num ? [...top, row] : top) },
      result: (top) => top,
    });
    const rows = flatMap('q5.rows', hottest, (top) => top);
    return withLateAsErrors('q5', rows, [counts.late, hottest.late]);
  },
  reference: q5Reference,
});

/** q5 over an array: count per (auction, window), then per window the auctions with the highest count. */
export function q5Reference(events: readonly NexmarkEvent[]): Q5Row[] {
  const counts = new Map<number, Map<number, number>>();
  for (const bid of events.flatMap((e): Bid[] => (e.bid === undefined ? [] : [e.bid]))) {
    const t = bid.dateTime;
    for (let start = t - (t % SLIDE); start > t - SIZE; start -= SLIDE) {
      const perAuction = counts.get(start) ?? new Map<number, number>();
      perAuction.set(bid.auction, (perAuction.get(bid.auction) ?? 0) + 1);
      counts.set(start, perAuction);
    }
  }
  const rows: Q5Row[] = [];
  for (const [start, perAuction] of counts) {
    const max = Math.max(...perAuction.values());
    for (const [auction, num] of perAuction) if (num === max) rows.push({ auction, num, starttime: start, endtime: start + SIZE });
  }
  return rows;
}
