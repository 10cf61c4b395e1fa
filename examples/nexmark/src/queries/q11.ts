import { session, window } from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';
import { withLateAsErrors } from './q5.ts';
import { defineQuery } from './query.ts';
import { bidsOf } from './streams.ts';

/** A row of q11: one bidder's session and its bid count. */
export interface Q11Row {
  readonly bidder: number;
  readonly bid_count: number;
  readonly starttime: number;
  readonly endtime: number;
}

const GAP = 10_000;

/**
 * q11, user sessions: per bidder, session windows with a 10 s gap and the bids in each.
 * A session is `[first bid, last bid + 10 s)`; a bid at or before a session's end joins it
 * (Flink merges windows that touch).
 */
export const q11 = defineQuery<Q11Row>({
  name: 'q11',
  title: 'user sessions',
  columns: ['bidder', 'bid_count', 'starttime', 'endtime'],
  build: (events) => {
    const bids = bidsOf(events, 'q11.bids');
    const sessions = window('q11.sessions', bids, {
      key: (b) => b.bidder,
      windows: session(GAP),
      aggregate: { init: () => 0, add: (n: number) => n + 1, merge: (a, b) => a + b },
      result: (n, { key, start, end }): Q11Row => ({ bidder: Number(key), bid_count: n, starttime: start, endtime: end }),
    });
    return withLateAsErrors('q11', sessions, [sessions.late]);
  },
  reference: q11Reference,
});

/** q11 over an array: each bidder's bids in time order, a new session after a silence longer than the gap. */
export function q11Reference(events: readonly NexmarkEvent[]): Q11Row[] {
  const byBidder = new Map<number, number[]>();
  for (const bid of events.flatMap((e): Bid[] => (e.bid === undefined ? [] : [e.bid]))) {
    const times = byBidder.get(bid.bidder);
    if (times === undefined) byBidder.set(bid.bidder, [bid.dateTime]);
    else times.push(bid.dateTime);
  }
  const rows: Q11Row[] = [];
  for (const [bidder, times] of byBidder) {
    let open: { start: number; end: number; count: number } | undefined;
    for (const t of [...times].sort((a, b) => a - b)) {
      if (open !== undefined && t <= open.end) {
        open.end = Math.max(open.end, t + GAP);
        open.count++;
        continue;
      }
      if (open !== undefined) rows.push({ bidder, bid_count: open.count, starttime: open.start, endtime: open.end });
      open = { start: t, end: t + GAP, count: 1 };
    }
    if (open !== undefined) rows.push({ bidder, bid_count: open.count, starttime: open.start, endtime: open.end });
  }
  return rows;
}
