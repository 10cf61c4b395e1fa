import { expect } from 'chai';
import { createMemoryJournalStore, flow, SimulatedClock, sink, source, type SinkHandler } from '@sluice/core';
import { run } from '@sluice/runtime';
import { items } from './support/handlers.ts';

/** Lets the event loop turn a few times: slow, without waiting on real time. */
async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('backpressure', () => {
  it('keeps a fast source within maxLead of a slow sink, and loses nothing', async () => {
    const store = createMemoryJournalStore();
    const out: number[] = [];
    const slow: SinkHandler<number, number> = {
      open: () => ({
        write: async (batch) => {
          await yieldTurns(5);
          out.push(...batch);
          return out.length;
        },
      }),
    };
    const values = Array.from({ length: 3000 }, (_, i) => i);
    let worstLead = 0;
    // The lead is largest right after the source commits: sample it at every commit.
    const unsubscribe = store.subscribe((journal) => {
      if (journal !== 'nums') return;
      void Promise.all([store.lastSeq('nums'), store.cursor('out', 'nums')]).then(([seq, cursor]) => {
        worstLead = Math.max(worstLead, seq - cursor);
      });
    });
    // A clock that never moves: the source waits on its consumer and the sink on its input
    // through commit notifications alone, so the run needs no polling to complete.
    const clock = new SimulatedClock();
    const summary = await run(flow('pressure', [sink('out', source('nums', items(values)), slow)]), {
      store,
      clock,
      batchSize: 50,
      maxLead: 200,
    });
    unsubscribe();
    expect(summary.state).to.equal('completed');
    expect(clock.now()).to.equal(0);
    expect(out).to.deep.equal(values);
    // At most maxLead plus the one batch that was in hand when the limit was reached (+ EOF).
    expect(worstLead).to.be.at.most(200 + 50 + 1);
    expect(worstLead).to.be.at.least(200);
    await store.close();
  });
});
