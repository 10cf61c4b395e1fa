import { expect } from 'chai';
import { ErrorCode, SimulatedClock, createMemoryJournalStore, flow, sink, sleep, source, stateful, transform, type ErrorPayload } from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, collect, items } from './support/handlers.ts';

describe('deadlines: a stage timeoutMs for a handler call', () => {
  it('abandons a call that takes longer as a retryable timeout, aborting its signal; a late answer emits nothing', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const aborted: unknown[] = [];
    let calls = 0;
    const slow = transform(
      'slow',
      source('in', items([1])),
      async (n: number, _record, ctx) => {
        calls++;
        // The first call ignores its signal and answers late; the retry answers at once.
        if (calls === 1) {
          ctx.signal.addEventListener('abort', () => aborted.push(ctx.signal.reason));
          await sleep(clock, 5_000);
          return -1;
        }
        return n * 10;
      },
      { timeoutMs: 1_000, retry: { maxAttempts: 2, backoffMs: 10 } },
    );
    const out: number[] = [];
    const summary = await advanceUntilSettled(clock, run(flow('deadline', [sink('out', slow, collect(out))]), { store, clock }), 100);
    await clock.advance(10_000); // the abandoned call answers now, too late
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([10]);
    expect(calls).to.equal(2);
    expect(aborted).to.have.length(1);
    expect(String(aborted[0])).to.match(/stage "slow": the handler call on in#1 timed out after 1000 ms/);
    expect((await store.read('slow', 0, 10)).filter((r) => r.kind === 'data').map((r) => r.payload)).to.deep.equal([10]);
  });

  it('sends the record to the error lane as TIMEOUT when its attempts run out', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const slow = transform('slow', source('in', items([1, 2])), async (n: number, _record, ctx) => {
      if (n === 1) await sleep(clock, 60_000, ctx.signal);
      return n;
    }, { timeoutMs: 500 });
    const out: number[] = [];
    await advanceUntilSettled(clock, run(flow('deadline', [sink('out', slow, collect(out))]), { store, clock }), 100);
    expect(out).to.deep.equal([2]);
    const [error] = (await store.read('slow', 0, 10)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(error?.code).to.equal(ErrorCode.Timeout);
    expect(error?.message).to.match(/timed out after 500 ms/);
  });

  it('a stateful step that times out leaves the state as it was; a late answer does not change it', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const sums = stateful('sum', source('in', items([1, 2, 3])), {
      init: () => 0,
      step: async (total: number, n: number) => {
        if (n === 2) await sleep(clock, 5_000);
        return total + n;
      },
    }, { timeoutMs: 1_000 });
    const out: number[] = [];
    await advanceUntilSettled(clock, run(flow('deadline', [sink('out', sums, collect(out))]), { store, clock }), 100);
    await clock.advance(10_000);
    expect(out).to.deep.equal([1, 4]);
    expect(await store.loadState('sum')).to.equal(4);
  });
});
