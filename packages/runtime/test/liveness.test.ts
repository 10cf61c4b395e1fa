import { expect } from 'chai';
import { createMemoryJournalStore, flow, noopMetrics, sink, source, transform, type Metrics } from '@sluice/core';
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
    const handle = run(flow('stall', [sink('out', stuck, collect(out))]), {
      store,
      metrics,
      batchSize: 2,
      stallAfterMs: 100,
      livenessCheckMs: 20,
    });
    let stalled = false;
    for (let i = 0; i < 200 && !stalled; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const status = await handle.status();
      const edge = status.stages.find((s) => s.name === 'stuck')?.inputs[0];
      stalled = edge?.stalled === true;
      if (stalled) {
        expect(edge).to.include({ upstream: 'nums', cursor: 0, upstreamSeq: 6, lag: 6 });
        expect(status.stages.find((s) => s.name === 'stuck')?.state).to.equal('running');
      }
    }
    expect(stalled, 'edge reported stalled').to.equal(true);
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
