import { expect } from 'chai';
import { createMemoryJournalStore, flow, noopMetrics, sink, source, type Metrics, type SinkHandler } from '@sluice/core';
import { run } from '@sluice/runtime';
import { items, until } from './support/handlers.ts';

/** A sink whose writes wait until `release()`. */
function heldSink(into: number[]): { handler: SinkHandler<number, number>; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    release: () => release(),
    handler: {
      open: () => ({
        write: async (values) => {
          await gate;
          into.push(...values);
          return into.length;
        },
      }),
    },
  };
}

describe('backpressure is visible', () => {
  it('on the stage machine, in status and in the metrics, while a stage waits for its consumers', async () => {
    const store = createMemoryJournalStore();
    const changes: [string, boolean][] = [];
    const metrics: Metrics = { ...noopMetrics, stageBackpressured: (stage, waiting) => changes.push([stage, waiting]) };
    const out: number[] = [];
    const held = heldSink(out);
    const values = Array.from({ length: 500 }, (_, i) => i);
    const handle = run(flow('visible', [sink('out', source('nums', items(values)), held.handler)]), {
      store,
      metrics,
      batchSize: 10,
      maxLead: 50,
    });
    await until(() => handle.stage('nums')?.snapshot().context.backpressured === true);
    const status = await handle.status();
    expect(status.stages.find((s) => s.name === 'nums')?.backpressured).to.equal(true);
    expect(status.stages.find((s) => s.name === 'out')?.backpressured).to.equal(false);
    expect(changes).to.deep.include(['nums', true]);
    held.release();
    expect((await handle).state).to.equal('completed');
    expect(out).to.deep.equal(values);
    expect(changes.at(-1), 'it stops waiting').to.deep.equal(['nums', false]);
    await store.close();
  });
});
