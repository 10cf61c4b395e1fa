import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureQuery } from '../src/bench-measure.ts';

describe('nexmark bench measurement', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'nexmark-bench-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('measures a registered query on LMDB and in plain JS over the same events, agreeing on the rows', async () => {
    const result = await measureQuery({ query: 'q2', events: 20_000, dir });
    if (!result.registered) throw new Error('q2 is registered');
    expect(result.events).to.equal(20_000);
    expect(result.rows).to.be.greaterThan(0);
    expect(result.sluiceEventsPerSec).to.be.greaterThan(0);
    expect(result.sluiceCpuUsPerEvent).to.be.greaterThan(0);
    expect(result.plainEventsPerSec).to.be.greaterThan(0);
    expect(result.plainReps).to.be.within(1, 7);
  });

  it('says a query of the suite that is not registered yet is not', async () => {
    expect(await measureQuery({ query: 'q7-not-here', events: 100, dir })).to.deep.equal({ query: 'q7-not-here', registered: false });
  });
});
