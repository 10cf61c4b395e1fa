import { expect } from 'chai';
import {
  createMemoryJournalStore,
  ErrorCode,
  flow,
  RetryableError,
  SimulatedClock,
  sink,
  source,
  TerminalError,
  transform,
  type ErrorPayload,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, collect, items, until } from './support/handlers.ts';

describe('retry policies', () => {
  it('retries a failing call with backoff, then succeeds; the error lane stays empty', async () => {
    const store = createMemoryJournalStore();
    const calls = new Map<number, number>();
    const flaky = transform(
      'flaky',
      source('nums', items([1, 2, 3])),
      async (n: number) => {
        const attempt = (calls.get(n) ?? 0) + 1;
        calls.set(n, attempt);
        await Promise.resolve();
        if (n === 2 && attempt < 3) throw new Error(`attempt ${String(attempt)} failed`);
        return n * 10;
      },
      { retry: { maxAttempts: 3, backoffMs: 1 } },
    );
    const out: number[] = [];
    const clock = new SimulatedClock();
    await advanceUntilSettled(clock, run(flow('retrying', [sink('out', flaky, collect(out))]), { store, clock }), 1);
    expect(out).to.deep.equal([10, 20, 30]);
    expect(calls.get(2)).to.equal(3);
    expect((await store.stats('flaky')).error).to.equal(0);
    await store.close();
  });

  it('gives up after maxAttempts and sends the record to the error lane with the last reason', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const broken = transform('broken', source('nums', items([7])), (_n: number): number => {
      calls++;
      throw new RetryableError(`still down (${String(calls)})`, 1);
    });
    const out: number[] = [];
    const clock = new SimulatedClock();
    const handle = run(flow('giving-up', [sink('out', broken, collect(out))]), {
      store,
      clock,
      stages: { broken: { retry: { maxAttempts: 4 } } },
    });
    await advanceUntilSettled(clock, handle, 1);
    expect(calls).to.equal(4);
    const [error] = (await store.read('broken', 0, 10)).filter((r) => r.kind === 'error');
    expect(error?.payload).to.include({ message: 'still down (4)', input: 7 });
    await store.close();
  });

  it('never retries a TerminalError', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const invalid = transform(
      'invalid',
      source('nums', items([1])),
      (): number => {
        calls++;
        throw new TerminalError(ErrorCode.MalformedInput, 'bad record');
      },
      { retry: { maxAttempts: 5, backoffMs: 1 } },
    );
    // Nothing waits on time: the run completes on a clock that never moves.
    await run(flow('terminal', [sink('out', invalid, collect([]))]), { store, clock: new SimulatedClock() });
    expect(calls).to.equal(1);
    const [error] = (await store.read('invalid', 0, 10)).filter((r) => r.kind === 'error');
    expect((error?.payload as ErrorPayload | undefined)?.code).to.equal('MALFORMED_INPUT');
    await store.close();
  });

  it('waits the whole backoff on the clock: a 60 s backoff completes after advance(60_000), not before', async () => {
    const store = createMemoryJournalStore();
    let calls = 0;
    const flaky = transform(
      'flaky',
      source('nums', items([1])),
      (n: number) => {
        calls++;
        if (calls === 1) throw new Error('service unavailable');
        return n;
      },
      { retry: { maxAttempts: 2, backoffMs: 60_000 } },
    );
    const out: number[] = [];
    const clock = new SimulatedClock();
    let settled = false;
    const handle = run(flow('long-backoff', [sink('out', flaky, collect(out))]), { store, clock });
    const done = Promise.resolve(handle).finally(() => (settled = true));
    await until(() => calls === 1);
    await clock.advance(59_999);
    expect(calls, 'no second attempt before the backoff').to.equal(1);
    expect(settled).to.equal(false);
    await clock.advance(1);
    expect((await done).state).to.equal('completed');
    expect(calls).to.equal(2);
    expect(out).to.deep.equal([1]);
    expect((await store.stats('flaky')).error).to.equal(0);
    await store.close();
  });
});
