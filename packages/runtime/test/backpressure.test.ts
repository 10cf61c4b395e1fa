import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, type SinkHandler } from '@sluice/core';
import { run } from '@sluice/runtime';
import { items } from './support/handlers.ts';

describe('backpressure', () => {
  it('keeps a fast source within maxLead of a slow sink, and loses nothing', async () => {
    const store = createMemoryJournalStore();
    const out: number[] = [];
    const slow: SinkHandler<number, number> = {
      open: () => ({
        write: async (batch) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          out.push(...batch);
          return out.length;
        },
      }),
    };
    const values = Array.from({ length: 3000 }, (_, i) => i);
    let worstLead = 0;
    const sampler = setInterval(() => {
      void Promise.all([store.lastSeq('nums'), store.cursor('out', 'nums')]).then(([seq, cursor]) => {
        worstLead = Math.max(worstLead, seq - cursor);
      });
    }, 1);
    const summary = await run(flow('pressure', [sink('out', source('nums', items(values)), slow)]), {
      store,
      batchSize: 50,
      maxLead: 200,
    });
    clearInterval(sampler);
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(values);
    // At most maxLead plus the one batch that was in hand when the limit was reached (+ EOF).
    expect(worstLead).to.be.at.most(200 + 50 + 1);
    expect(worstLead).to.be.greaterThan(0);
    await store.close();
  });
});
