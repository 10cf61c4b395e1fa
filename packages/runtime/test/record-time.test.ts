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

describe('record times within a batch', () => {
  it('never go back: an error-lane record carries the same time as the data records around it', async () => {
    const store = createMemoryJournalStore();
    // A clock that moves a little on every reading, as the wall clock does over a long batch.
    class Creeping extends SimulatedClock {
      override now(): number {
        this.set(super.now() + 1);
        return super.now();
      }
    }
    const clock = new Creeping(1_000);
    const half = transform('half', source('in', items([1, 2, 3, 4, 5, 6])), (n: number) => {
      if (n % 2 === 0) throw new Error('even');
      return n;
    }, { batchSize: 6 });
    await advanceUntilSettled(clock, run(flow('times', [sink('out', half, collect([]))]), { store, clock }), 10);
    const times = (await store.read('half', 0, 20)).filter((r) => r.kind !== 'eof').map((r) => r.at);
    expect(times).to.have.length(6);
    expect(times, 'in the journal order, not decreasing').to.deep.equal([...times].sort((a, b) => a - b));
  });
});
