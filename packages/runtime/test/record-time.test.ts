import { expect } from 'chai';
import { SimulatedClock, createMemoryJournalStore, flow, sink, sleep, source, transform } from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, collect, items } from './support/handlers.ts';

describe('record times', () => {
  for (const concurrency of [1, 3]) {
    it(`a record of an asynchronous call carries the time the call ended (concurrency ${String(concurrency)})`, async () => {
      const store = createMemoryJournalStore();
      const clock = new SimulatedClock(10_000);
      const started: number[] = [];
      const slow = transform(
        'slow',
        source('in', items([1, 2, 3])),
        async (n: number) => {
          started.push(clock.now());
          await sleep(clock, n * 1000);
          return n;
        },
        { concurrency, batchSize: 3 },
      );
      await advanceUntilSettled(clock, run(flow('times', [sink('out', slow, collect([]))]), { store, clock }), 100);
      const records = (await store.read('slow', 0, 10)).filter((r) => r.kind === 'data');
      expect(records).to.have.length(3);
      for (const [i, record] of records.entries()) {
        const ended = (started[i] ?? 0) + (i + 1) * 1000;
        expect(record.at, `#${String(i + 1)}`).to.be.within(ended, ended + 100);
      }
    });
  }
});
