import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  noopMetrics,
  SimulatedClock,
  sink,
  source,
  transform,
  type Metrics,
} from '@sluice/core';
import { run, SYSTEM_JOURNAL, type ActivityEntry } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

describe('liveness', () => {
  it('marks an edge with input but a still cursor as stalled, and the flow goes on', async () => {
    const store = createMemoryJournalStore();
    const stalls: [string, string, boolean][] = [];
    const metrics: Metrics = { ...noopMetrics, stalled: (stage, upstream, stalled) => stalls.push([stage, upstream, stalled]) };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const stuck = transform('stuck', source('nums', items([1, 2, 3, 4, 5])), async (n: number) => {
      if (first) {
        first = false;
        await gate;
      }
      return n;
    });
    const out: number[] = [];
    const clock = new SimulatedClock();
    const handle = run(flow('stall', [sink('out', stuck, collect(out))]), { store, clock, metrics, batchSize: 2 });
    // The defaults: a check every second, a stall after 30 s still. Only the periodic check
    // runs here (status() would check too), so the stall shows only if it runs on the clock.
    for (let i = 0; i < 100 && stalls.length === 0; i++) await clock.advance(1_000);
    expect(stalls, 'edge reported stalled').to.deep.equal([['stuck', 'nums', true]]);
    expect(clock.now(), 'not before the cursor sat still for stallAfterMs').to.be.at.least(30_000);
    const status = await handle.status();
    expect(status.stages.find((s) => s.name === 'stuck')?.inputs[0]).to.include({
      upstream: 'nums',
      cursor: 0,
      upstreamSeq: 6,
      lag: 6,
      stalled: true,
    });
    expect(status.stages.find((s) => s.name === 'stuck')?.state).to.equal('running');
    expect(handle.snapshot().value).to.equal('draining'); // the source has ended; the rest goes on
    release();
    const summary = await handle;
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([1, 2, 3, 4, 5]);
    expect(stalls[0]).to.deep.equal(['stuck', 'nums', true]);
    const entries = (await store.read(SYSTEM_JOURNAL, 0, 1000)).map((r) => r.payload as ActivityEntry);
    expect(entries.some((e) => e.type === 'stage.stalled' && e.stage === 'stuck')).to.equal(true);
    await store.close();
  });
});
