import { expect } from 'chai';
import { createMemoryJournalStore, first, flow, join, sink, source, type ErrorPayload } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Order {
  readonly id: string;
  readonly amount: number;
}
interface Payment {
  readonly order: string;
  readonly paid: number;
}

describe('join and first', () => {
  it('pairs records by key across inputs and sends the unpaired to the error lane', async () => {
    const store = createMemoryJournalStore();
    const orders = source('orders', items<Order>([{ id: 'a', amount: 5 }, { id: 'b', amount: 7 }, { id: 'c', amount: 9 }]));
    const payments = source('payments', items<Payment>([{ order: 'b', paid: 7 }, { order: 'a', paid: 4 }, { order: 'z', paid: 1 }]));
    const settled = join('settle', orders, payments, {
      leftKey: (o) => o.id,
      rightKey: (p) => p.order,
      combine: (o, p) => ({ id: o.id, due: o.amount - p.paid }),
    });
    const out: { id: string; due: number }[] = [];
    const summary = await run(flow('joined', [sink('out', settled, collect(out))]), { store, batchSize: 1 });
    expect(summary.state).to.equal('completed');
    expect([...out].sort((x, y) => x.id.localeCompare(y.id))).to.deep.equal([
      { id: 'a', due: 1 },
      { id: 'b', due: 0 },
    ]);
    const errors = (await store.read('settle', 0, 100)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
    expect(errors.map((e) => e.message).sort()).to.deep.equal([
      'join "settle": no left record matched the right record with key "z"',
      'join "settle": no right record matched the left record with key "c"',
    ]);
    await store.close();
  });

  it('keeps waiting records in its committed state across a restart', async () => {
    const store = createMemoryJournalStore();
    const out: string[] = [];
    const feed = { left: ['x'], right: [] as string[], done: false };
    const take = (queue: string[]) => () => queue.splice(0, 1);
    const build = () => {
      const left = source('left', live(take(feed.left), () => feed.done));
      const right = source('right', live(take(feed.right), () => feed.done));
      const pairs = join('pair', left, right, { leftKey: (l) => l, rightKey: (r) => r, combine: (l, r) => `${l}=${r}` });
      return flow('restart-join', [sink('out', pairs, collect(out))]);
    };
    // First run: cancel once `x` waits, unpaired, in the join's committed state.
    const handle = run(build(), { store });
    while ((await store.cursor('pair', 'left')) < 1) await new Promise((r) => setTimeout(r, 1));
    await handle.stop('cancel');
    expect(out).to.deep.equal([]);
    feed.left.push('y');
    feed.right.push('y', 'x');
    feed.done = true;
    await run(build(), { store });
    expect([...out].sort()).to.deep.equal(['x=x', 'y=y']);
    expect((await store.stats('pair')).error).to.equal(0);
    await store.close();
  });

  it('first-of-N emits the first record of each key from any input', async () => {
    const store = createMemoryJournalStore();
    const a = source('a', items([1, 2, 3]));
    const b = source('b', items([3, 4, 1]));
    const out: number[] = [];
    await run(flow('first', [sink('out', first('winner', [a, b], (n) => n), collect(out))]), { store });
    expect([...out].sort()).to.deep.equal([1, 2, 3, 4]);
    await store.close();
  });
});
