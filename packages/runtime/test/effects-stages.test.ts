import { expect } from 'chai';
import {
  ErrorCode,
  TerminalError,
  createMemoryJournalStore,
  deliverEach,
  flow,
  sink,
  source,
  stateful,
  type EffectOptions,
  type JournalStore,
  type SinkHandler,
} from '@sluice/core';
import { SYSTEM_JOURNAL, intermediateJournal, run, type ActivityEntry } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';
import { failingStore, isOutcome } from './support/failing-store.ts';

/** A receiver of effect calls: counts every call by idempotency key. */
class Receiver {
  readonly calls = new Map<string, number>();
  call(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
  get total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}

/** A running total whose step reserves each amount through an effect. */
function reserving(receiver: Receiver, out: number[], options: EffectOptions = {}) {
  const totals = stateful('reserve', source('orders', items([1, 2, 3, 4])), {
    init: () => 0,
    step: async (total: number, n: number, _record, ctx) => {
      const granted = await ctx.effect('reserve', ({ key }) => (receiver.call(key), n * 10), options);
      return total + granted;
    },
  });
  return flow('stateful-effects', [sink('out', totals, collect(out))]);
}

/** A sink that notifies a receiver per record, through an effect. */
function notifying(receiver: Receiver, delivered: number[], options: EffectOptions = {}) {
  const notify: SinkHandler<number> = deliverEach(async (n: number, _record, ctx) => {
    await ctx.effect('notify', ({ key }) => receiver.call(key), options);
    delivered.push(n);
  });
  return flow('sink-effects', [sink('notify', source('orders', items([1, 2, 3, 4, 5])), notify)]);
}

async function activity(store: JournalStore): Promise<ActivityEntry[]> {
  return (await store.read(SYSTEM_JOURNAL, 0, 10_000)).map((r) => r.payload as ActivityEntry);
}

describe('durable effects in stateful stages and sinks', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('a stateful step calls effects once each; its state folds their values', async () => {
    const receiver = new Receiver();
    const out: number[] = [];
    expect((await run(reserving(receiver, out), { store })).state).to.equal('completed');
    expect(out).to.deep.equal([10, 30, 60, 100]);
    expect([...receiver.calls.keys()]).to.deep.equal([1, 2, 3, 4].map((seq) => `reserve:orders#${String(seq)}:reserve:0`));
  });

  it('a stateful stage that crashes after its outcomes re-runs from its committed state and calls nothing again', async () => {
    const receiver = new Receiver();
    const crashing = failingStore(store, (b) => b.stage === 'reserve');
    await run(reserving(receiver, []), { store: crashing }).then(undefined, () => undefined);
    expect(receiver.total).to.equal(4);
    const out: number[] = [];
    expect((await run(reserving(receiver, out), { store })).state).to.equal('completed');
    expect(out).to.deep.equal([10, 30, 60, 100]);
    expect(receiver.total, 'no key with a journaled outcome is called again').to.equal(4);
  });

  it('a sink delivers each record through an effect, once, also across a crash before its commit', async () => {
    const receiver = new Receiver();
    const crashing = failingStore(store, (b) => b.stage === 'notify');
    await run(notifying(receiver, []), { store: crashing }).then(undefined, () => undefined);
    expect(receiver.total).to.equal(5);
    const delivered: number[] = [];
    expect((await run(notifying(receiver, delivered), { store })).state).to.equal('completed');
    expect(delivered).to.deep.equal([1, 2, 3, 4, 5]);
    expect(receiver.total).to.equal(5);
    expect([...receiver.calls.keys()]).to.deep.equal([1, 2, 3, 4, 5].map((seq) => `notify:orders#${String(seq)}:notify:0`));
    expect(await store.read(intermediateJournal('notify'), 0, 100)).to.have.length(10);
  });

  it('a sink record whose effect fails goes to the error lane; the others are delivered', async () => {
    const delivered: number[] = [];
    const failing = deliverEach(async (n: number, _record, ctx) => {
      await ctx.effect('notify', () => {
        if (n === 3) throw new TerminalError(ErrorCode.HandlerFailed, 'mailbox full');
      });
      delivered.push(n);
    });
    const summary = await run(flow('sink-fail', [sink('notify', source('orders', items([1, 2, 3, 4, 5])), failing)]), { store });
    expect(summary.state).to.equal('completed');
    expect(summary.stages['notify']?.errors).to.equal(1);
    expect(delivered).to.deep.equal([1, 2, 4, 5]);
    const [error] = (await store.read('notify', 0, 100)).filter((r) => r.kind === 'error');
    expect((error?.payload as { message: string }).message).to.match(/mailbox full/);
  });

  it('deliverEach with concurrency overlaps the calls of a batch', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = deliverEach(
      async (_n: number, _record, ctx) => {
        await ctx.effect('slow', async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
        });
      },
      { concurrency: 4 },
    );
    await run(flow('sink-concurrent', [sink('slow', source('orders', items([1, 2, 3, 4, 5, 6, 7, 8])), slow)]), { store });
    expect(most).to.equal(4);
  });

  for (const policy of ['retry', 'fail'] as const) {
    it(`the activity log says what recovery did with an unknown outcome (onUnknownOutcome: ${policy})`, async () => {
      const receiver = new Receiver();
      const crashing = failingStore(store, (b) => b.stage === intermediateJournal('notify') && isOutcome(b));
      await run(notifying(receiver, [], { onUnknownOutcome: policy }), { store: crashing }).then(undefined, () => undefined);
      await run(notifying(receiver, [], { onUnknownOutcome: policy }), { store });
      const entries = (await activity(store)).filter((e) => e.type === 'effect.unknownOutcome');
      expect(entries).to.have.length(1);
      expect(entries[0]).to.include({ stage: 'notify', effect: 'notify', key: 'notify:orders#1:notify:0', input: 'orders#1', action: policy });
    });
  }
});
