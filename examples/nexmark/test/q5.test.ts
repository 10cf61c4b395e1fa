import { expect } from 'chai';
import { q5, type Q5Row } from '../src/queries/q5.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q5', () => {
  it('matches its reference computation on 20,000 events over 40 s of event time (LMDB)', async () => {
    // 500 events/s: 40 s of event time, so the 10 s / 2 s windows close about 20 times.
    const rows = (await checkAgainstReference(q5, 20_000, { rate: 500 })) as Q5Row[];
    const windows = new Set(rows.map((r) => r.starttime));
    expect(windows.size, 'sliding windows in the result').to.be.at.least(20);
    for (const r of rows) expect(r.endtime - r.starttime).to.equal(10_000);
  });
});
