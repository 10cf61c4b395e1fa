import { expect } from 'chai';
import {
  EffectFailedError,
  ErrorCode,
  SimulatedClock,
  TerminalError,
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  type EffectOptions,
  type JournalStore,
} from '@sluice/core';
import { intermediateJournal, run } from '@sluice/runtime';
import { advanceUntilSettled, collect, items } from './support/handlers.ts';
import { failingStore, isOutcome } from './support/failing-store.ts';

/** A receiver of effect calls: counts every call by idempotency key. */
class Receiver {
  readonly calls = new Map<string, number>();
  call(key: string, value: number): number {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    return value * 10;
  }
  get total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}

/** A flow whose transform makes one effect per input. */
function charging(receiver: Receiver, options: EffectOptions = {}, out: number[] = []) {
  const charged = transform('charge', source('orders', items([1, 2, 3, 4, 5])), async (n: number, _record, ctx) =>
    ctx.effect('charge', ({ key }) => receiver.call(key, n), options),
  );
  return flow('effects', [sink('out', charged, collect(out))]);
}

async function effectsJournal(store: JournalStore): Promise<{ phase: string; key: string; ok?: boolean }[]> {
  const records = await store.read(intermediateJournal('charge'), 0, 1000);
  return records.map((r) => (r.payload as { value: { phase: string; key: string; ok?: boolean } }).value);
}

describe('durable effects in a transform', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('calls each effect once with a stable key and journals its intent before and its outcome after', async () => {
    const receiver = new Receiver();
    const out: number[] = [];
    expect((await run(charging(receiver, {}, out), { store })).state).to.equal('completed');
    expect(out).to.deep.equal([10, 20, 30, 40, 50]);
    expect([...receiver.calls.keys()]).to.deep.equal([1, 2, 3, 4, 5].map((seq) => `charge:orders#${String(seq)}:charge:0`));
    const journal = await effectsJournal(store);
    expect(journal.map((e) => e.phase)).to.deep.equal(['intent', 'outcome', 'intent', 'outcome', 'intent', 'outcome', 'intent', 'outcome', 'intent', 'outcome']);
  });

  it('a crash after the outcomes and before the batch commit: the re-run gets the journaled values and calls nothing', async () => {
    const receiver = new Receiver();
    const crashing = failingStore(store, (b) => b.stage === 'charge');
    await run(charging(receiver), { store: crashing }).then(undefined, () => undefined);
    expect(receiver.total).to.equal(5);
    const out: number[] = [];
    expect((await run(charging(receiver, {}, out), { store })).state).to.equal('completed');
    expect(out).to.deep.equal([10, 20, 30, 40, 50]);
    expect(receiver.total, 'no key with a journaled outcome is called again').to.equal(5);
  });

  it('an intent without an outcome is called again with the same key (onUnknownOutcome: retry)', async () => {
    const receiver = new Receiver();
    const crashing = failingStore(store, (b) => b.stage === intermediateJournal('charge') && isOutcome(b));
    await run(charging(receiver), { store: crashing }).then(undefined, () => undefined);
    expect(receiver.total).to.equal(1);
    const out: number[] = [];
    expect((await run(charging(receiver, {}, out), { store })).state).to.equal('completed');
    expect(out).to.deep.equal([10, 20, 30, 40, 50]);
    expect(receiver.calls.get('charge:orders#1:charge:0'), 'the unknown one, at least once').to.equal(2);
    expect(receiver.calls.size, 'deduplicated by key: each once').to.equal(5);
  });

  it('an intent without an outcome fails its record into the error lane without a call (onUnknownOutcome: fail)', async () => {
    const receiver = new Receiver();
    const crashing = failingStore(store, (b) => b.stage === intermediateJournal('charge') && isOutcome(b));
    await run(charging(receiver, { onUnknownOutcome: 'fail' }), { store: crashing }).then(undefined, () => undefined);
    const out: number[] = [];
    const summary = await run(charging(receiver, { onUnknownOutcome: 'fail' }, out), { store });
    expect(summary.stages['charge']?.errors).to.equal(1);
    expect(out).to.deep.equal([20, 30, 40, 50]);
    expect(receiver.calls.get('charge:orders#1:charge:0')).to.equal(1);
    const [error] = (await store.read('charge', 0, 100)).filter((r) => r.kind === 'error');
    expect((error?.payload as { message: string }).message).to.match(/outcome is unknown/);
  });

  it('a failed outcome is journaled and thrown again on a handler retry, without calling again', async () => {
    let calls = 0;
    const charged = transform(
      'charge',
      source('orders', items([1])),
      (n: number, _r, ctx) =>
        ctx.effect('charge', () => {
          calls++;
          throw new Error('card declined');
        }),
      { retry: { maxAttempts: 3, backoffMs: 0 } },
    );
    const summary = await run(flow('declined', [sink('out', charged, collect<number>([]))]), { store });
    expect(summary.stages['charge']?.errors).to.equal(1);
    expect(calls).to.equal(1);
    const [error] = (await store.read('charge', 0, 10)).filter((r) => r.kind === 'error');
    expect((error?.payload as { message: string }).message).to.match(/card declined/);
    expect(new EffectFailedError('x', 'y')).to.be.instanceOf(TerminalError);
  });

  it('retries an attempt that times out on the clock, with the same key', async () => {
    const clock = new SimulatedClock();
    const keys: string[] = [];
    let first = true;
    const charged = transform('charge', source('orders', items([7])), (n: number, _r, ctx) =>
      ctx.effect(
        'charge',
        ({ key, signal }) => {
          keys.push(key);
          if (!first) return n;
          first = false;
          return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        },
        { timeoutMs: 1000, retry: { maxAttempts: 2, backoffMs: 10 } },
      ),
    );
    const out: number[] = [];
    const summary = await advanceUntilSettled(clock, run(flow('timeouts', [sink('out', charged, collect(out))]), { store, clock }), 100);
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([7]);
    expect(keys).to.deep.equal(['charge:orders#1:charge:0', 'charge:orders#1:charge:0']);
  });

  it('with concurrency, calls overlap, their intents and outcomes share writes, and outputs keep input order', async () => {
    // Writes take a while, as an fsync does: what is asked meanwhile goes into the next one.
    let writes = 0;
    const counting: JournalStore = {
      ...store,
      commit: async (batch) => {
        if (batch.stage === intermediateJournal('charge')) {
          writes++;
          for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
        }
        return store.commit(batch);
      },
    };
    let inFlight = 0;
    let most = 0;
    const values = Array.from({ length: 40 }, (_, i) => i + 1);
    const charged = transform(
      'charge',
      source('orders', items(values)),
      (n: number, _r, ctx) =>
        ctx.effect('charge', async () => {
          most = Math.max(most, ++inFlight);
          // Later inputs finish first: the output must still be in input order.
          for (let turn = 0; turn < 50 - n; turn++) await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          return n * 10;
        }),
      { concurrency: 8 },
    );
    const out: number[] = [];
    expect((await run(flow('concurrent', [sink('out', charged, collect(out))]), { store: counting })).state).to.equal('completed');
    expect(out).to.deep.equal(values.map((n) => n * 10));
    expect(most, 'calls at once').to.equal(8);
    expect(writes, 'durable writes for 40 intents and 40 outcomes').to.be.below(40);
    const journal = await effectsJournal(store);
    expect(journal.filter((e) => e.phase === 'outcome')).to.have.length(40);
  });

  it('compensates the effects that succeeded when a later one fails, in reverse order, durably (saga)', async () => {
    const calls: string[] = [];
    const build = () =>
      flow('saga', [
        sink(
          'out',
          transform('charge', source('orders', items([1])), async (n: number, _r, ctx) => {
            const hold = await ctx.effect('reserve', () => (calls.push('reserve'), `hold-${String(n)}`), {
              compensate: (id) => calls.push(`release ${id}`),
            });
            await ctx.effect('ship', () => (calls.push('ship'), 'label'), { compensate: (label) => calls.push(`cancel ${label}`) });
            return ctx.effect('charge', () => {
              calls.push('charge');
              throw new TerminalError(ErrorCode.HandlerFailed, 'card declined');
            }).then(() => hold);
          }),
          collect<string>([]),
        ),
      ]);
    // The first run ends before its batch commit: the re-run must find the saga done.
    const crashing = failingStore(store, (b) => b.stage === 'charge');
    await run(build(), { store: crashing }).then(undefined, () => undefined);
    expect(calls).to.deep.equal(['reserve', 'ship', 'charge', 'cancel label', 'release hold-1']);
    const summary = await run(build(), { store });
    expect(summary.stages['charge']?.errors).to.equal(1);
    expect(calls, 'nothing is called again').to.have.length(5);
    const [error] = (await store.read('charge', 0, 10)).filter((r) => r.kind === 'error');
    expect(error?.payload).to.include({ code: 'COMPENSATED' });
    expect((error?.payload as { message: string }).message).to.match(/card declined; compensated ship, reserve$/);
  });

  it('refuses a re-run that calls its effects in another order, into the error lane', async () => {
    const crashing = failingStore(store, (b) => b.stage === 'charge');
    await run(charging(new Receiver()), { store: crashing }).then(undefined, () => undefined);
    const other = transform('charge', source('orders', items([1, 2, 3, 4, 5])), (n: number, _r, ctx) => ctx.effect('refund', () => n));
    const summary = await run(flow('effects', [sink('out', other, collect<number>([]))]), { store, allowDefinitionChange: true });
    expect(summary.stages['charge']?.errors).to.equal(5);
    const [error] = (await store.read('charge', 0, 100)).filter((r) => r.kind === 'error');
    expect((error?.payload as { message: string }).message).to.match(/is "refund", but the journal holds "charge"/);
  });
});
