import { expect } from 'chai';
import { createMemoryJournalStore, flow, SimulatedClock, sink, source, type SinkHandler } from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, items } from './support/handlers.ts';

/** A sink whose writes fail while `state.down`; it notes the clock time of every write. */
function flaky(clock: SimulatedClock, state: { down: boolean; failures: number }, writes: number[], delivered: number[]): SinkHandler<number, number> {
  return {
    open: () => ({
      write: (values) => {
        writes.push(clock.now());
        if (state.down) {
          if (--state.failures <= 0) state.down = false;
          const error = new Error('service down');
          throw error;
        }
        delivered.push(...values);
        return delivered.length;
      },
    }),
  };
}

describe('circuit breaker and rate limit of a sink', () => {
  it('an open breaker holds the sink back (nothing goes to the error lane) until a trial write succeeds', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const state = { down: true, failures: 4 };
    const writes: number[] = [];
    const delivered: number[] = [];
    const out = sink('out', source('nums', items([1, 2, 3])), flaky(clock, state, writes, delivered), {
      batchSize: 3,
      circuitBreaker: { failures: 2, openMs: 1000 },
    });
    const summary = await advanceUntilSettled(clock, run(flow('sink-breaker', [out]), { store, clock }), 50);
    expect(summary.state).to.equal('completed');
    expect(delivered).to.deep.equal([1, 2, 3]);
    expect(summary.stages['out']?.errors ?? 0, 'the breaker holds records back, it does not fail them').to.equal(0);
    // Two failures opened it; after openMs (1000) trial writes went on until the service was back.
    expect(writes.length).to.equal(5);
    expect((writes[2] ?? 0) - (writes[1] ?? 0), 'held back while open').to.be.at.least(1000);
  });

  it('a rate limit spaces the writes of a sink on the clock', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const writes: number[] = [];
    const delivered: number[] = [];
    const out = sink('out', source('nums', items([1, 2, 3, 4])), flaky(clock, { down: false, failures: 0 }, writes, delivered), {
      batchSize: 1,
      rateLimit: { perSecond: 2, burst: 1 },
    });
    await advanceUntilSettled(clock, run(flow('sink-limit', [out]), { store, clock }), 50);
    expect(delivered).to.deep.equal([1, 2, 3, 4]);
    const first = writes[0] ?? 0;
    expect(writes.map((t) => t - first), 'two writes a second, one at a time').to.deep.equal([0, 500, 1000, 1500]);
  });
});
