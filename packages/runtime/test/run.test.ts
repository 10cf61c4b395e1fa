import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  route,
  sink,
  source,
  stateful,
  transform,
  type JournalStore,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

describe('run', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('runs a linear flow to completion with every input exactly once', async () => {
    const out: number[] = [];
    const nums = source('nums', items(Array.from({ length: 2500 }, (_, i) => i)));
    const doubled = transform('double', nums, (n) => n * 2);
    const summary = await run(flow('linear', [sink('out', doubled, collect(out))]), { store, batchSize: 100 });
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(Array.from({ length: 2500 }, (_, i) => i * 2));
    expect(summary.stages['double']?.in).to.equal(2500);
  });

  it('sends a throwing record to the error lane and goes on', async () => {
    const out: number[] = [];
    const nums = source('nums', items([1, 2, 3, 4]));
    const checked = transform('check', nums, (n) => {
      if (n === 3) throw new Error('three is not allowed');
      return n;
    });
    const summary = await run(flow('errors', [sink('out', checked, collect(out))]), { store });
    expect(out).to.deep.equal([1, 2, 4]);
    expect(summary.stages['check']?.errors).to.equal(1);
    const records = await store.read('check', 0, 100);
    const error = records.find((r) => r.kind === 'error');
    expect(error?.payload).to.include({ stage: 'check', message: 'three is not allowed', input: 3 });
    expect(error?.cause).to.deep.equal({ stage: 'nums', seq: 3 });
  });

  it('routes and aggregates', async () => {
    const big: number[] = [];
    const totals: number[] = [];
    const nums = source('nums', items(Array.from({ length: 100 }, (_, i) => i)));
    const [hi, lo] = route('size', nums, (n) => (n >= 50 ? 0 : 1), 2);
    const sum = stateful('sum', lo, { init: () => 0, step: (s: number, n: number) => s + n, onEof: (s) => [s] });
    await run(flow('routed', [sink('big', hi, collect(big)), sink('totals', sum, collect(totals))]), { store });
    expect(big).to.have.length(50);
    expect(totals).to.deep.equal([1225]);
  });
});

describe('stateful outputs', () => {
  it('emits a snapshot of the state per step even when step mutates it in place', async () => {
    const store = createMemoryJournalStore();
    const out: { n: number }[] = [];
    const counted = stateful('count', source('nums', items([1, 2, 3])), {
      init: () => ({ n: 0 }),
      step: (state: { n: number }) => {
        state.n += 1;
        return state;
      },
    });
    await run(flow('snapshots', [sink('out', counted, collect(out))]), { store });
    expect(out).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await store.close();
  });
});
