import { expect } from 'chai';
import { q11, type Q11Row } from '../src/queries/q11.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q11', () => {
  it('matches its reference computation on 20,000 events over 100 s of event time (LMDB)', async () => {
    // 200 events/s: 100 s of event time, so a bidder silent for 10 s has more than one session.
    const rows = (await checkAgainstReference(q11, 20_000, { rate: 200 })) as Q11Row[];
    const perBidder = new Map<number, number>();
    for (const r of rows) perBidder.set(r.bidder, (perBidder.get(r.bidder) ?? 0) + 1);
    expect(rows.length, 'sessions').to.be.at.least(500);
    const split = [...perBidder.values()].filter((n) => n > 1).length;
    expect(split, 'bidders with sessions closed by the gap').to.be.at.least(50);
  });
});
