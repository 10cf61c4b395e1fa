import { expect } from 'chai';
import { createMemoryJournalStore, flow, SimulatedClock, sink, source, transform } from '@sluice/core';
import { run, TokenBucket } from '@sluice/runtime';
import { advanceUntilSettled, collect, items, until } from './support/handlers.ts';

describe('TokenBucket', () => {
  it('gives a full burst at once, then one token per 1/perSecond on the clock', async () => {
    const clock = new SimulatedClock();
    const bucket = new TokenBucket(clock, { perSecond: 4, burst: 2 });
    expect(bucket.take()).to.equal(undefined);
    expect(bucket.take()).to.equal(undefined);
    const granted: number[] = [];
    const third = bucket.take()?.then(() => granted.push(clock.now()));
    const fourth = bucket.take()?.then(() => granted.push(clock.now()));
    expect(third).to.be.instanceOf(Promise);
    await clock.advance(1000);
    await Promise.all([third, fourth]);
    expect(granted).to.deep.equal([250, 500]);
    // Quiet for a while: the bucket refills up to its burst, no further.
    await clock.advance(10_000);
    expect(bucket.take()).to.equal(undefined);
    expect(bucket.take()).to.equal(undefined);
    expect(bucket.take()).to.be.instanceOf(Promise);
  });

  it('a wait aborted by the signal rejects at once and gives its token back', async () => {
    const clock = new SimulatedClock();
    const bucket = new TokenBucket(clock, { perSecond: 1 });
    expect(bucket.take()).to.equal(undefined);
    const abort = new AbortController();
    const waiting = bucket.take(abort.signal);
    abort.abort(new Error('cancelled'));
    let rejected: unknown;
    await waiting?.catch((error: unknown) => (rejected = error));
    expect((rejected as Error | undefined)?.message).to.equal('cancelled');
    expect(clock.pending).to.equal(0);
    // The aborted reservation is returned: the next caller waits one interval, not two.
    const granted: number[] = [];
    const next = bucket.take()?.then(() => granted.push(clock.now()));
    await clock.advance(2000);
    await next;
    expect(granted).to.deep.equal([1000]);
  });
});

describe('rate limit of a stage', () => {
  it('spaces handler calls on the clock: a burst, then perSecond', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const at: number[] = [];
    const limited = transform(
      'limited',
      source('nums', items([1, 2, 3, 4, 5])),
      (n: number) => {
        at.push(clock.now());
        return n;
      },
      { rateLimit: { perSecond: 10, burst: 2 } },
    );
    const out: number[] = [];
    await advanceUntilSettled(clock, run(flow('limited', [sink('out', limited, collect(out))]), { store, clock }), 50);
    // Times from the first call: the source's first read waits for a poll.
    expect(at.map((t) => t - (at[0] ?? 0))).to.deep.equal([0, 0, 100, 200, 300]);
    expect(out).to.deep.equal([1, 2, 3, 4, 5]);
    await store.close();
  });

  it('holds concurrent calls to the rate too, outputs in input order', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    const at: number[] = [];
    const limited = transform(
      'limited',
      source('nums', items([1, 2, 3, 4])),
      async (n: number) => {
        at.push(clock.now());
        await Promise.resolve();
        return n;
      },
      { rateLimit: { perSecond: 5 }, concurrency: 4 },
    );
    const out: number[] = [];
    await advanceUntilSettled(clock, run(flow('limited', [sink('out', limited, collect(out))]), { store, clock }), 50);
    expect(at.map((t) => t - (at[0] ?? 0))).to.deep.equal([0, 200, 400, 600]);
    expect(out).to.deep.equal([1, 2, 3, 4]);
    await store.close();
  });

  it('a cancel while a call waits for its token stops at once, with nothing of the batch committed', async () => {
    const store = createMemoryJournalStore();
    const clock = new SimulatedClock();
    let calls = 0;
    const limited = transform(
      'limited',
      source('nums', items([1, 2, 3])),
      (n: number) => {
        calls++;
        return n;
      },
      { rateLimit: { perSecond: 1 } },
    );
    const handle = run(flow('cancelled', [sink('out', limited, collect([]))]), { store, clock });
    await until(() => calls === 1);
    await until(() => clock.pending > 0);
    const summary = await handle.stop('cancel');
    expect(summary.state).to.equal('stopped');
    expect(calls).to.equal(1);
    expect((await store.stats('limited')).data).to.equal(0);
    await store.close();
  });
});
