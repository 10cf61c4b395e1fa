import { expect } from 'chai';
import { q7, type Q7Row } from '../src/queries/q7.ts';
import { checkAgainstReference } from './support/query-check.ts';

describe('nexmark q7', () => {
  it('matches its reference computation on 20,000 events over 100 s of event time (LMDB)', async () => {
    // 200 events/s: 100 s of event time, so ten 10 s windows close.
    const rows = (await checkAgainstReference(q7, 20_000, { rate: 200 })) as Q7Row[];
    const windows = new Set(rows.map((r) => r.starttime));
    expect(windows.size, 'tumbling windows in the result').to.be.at.least(10);
    for (const r of rows) expect(r.dateTime).to.be.within(r.starttime, r.endtime - 1);
  });
});
