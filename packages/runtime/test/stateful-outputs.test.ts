import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, stateful } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

describe('stateful stage: outputs', () => {
  it('emits every value outputs yields for an input, in order, each caused by that input', async () => {
    const store = createMemoryJournalStore();
    // A running total that emits one record per unit crossed: 0..3 → nothing, then several.
    const crossings = stateful('crossings', source('amounts', items([3, 0, 4, 1, 2])), {
      init: () => ({ total: 0, crossed: 0 }),
      step: (s, n: number) => ({ total: s.total + n, crossed: s.total }),
      outputs: function* (s) {
        for (let at = Math.floor(s.crossed / 2) + 1; at <= Math.floor(s.total / 2); at++) yield { at: at * 2 };
      },
    });
    const out: { at: number }[] = [];
    await run(flow('outputs', [sink('out', crossings, collect(out))]), { store });
    expect(out).to.deep.equal([{ at: 2 }, { at: 4 }, { at: 6 }, { at: 8 }, { at: 10 }]);
    const journal = (await store.read('crossings', 0, 20)).filter((r) => r.kind === 'data');
    expect(journal.map((r) => r.cause?.seq)).to.deep.equal([1, 3, 3, 4, 5]);
  });

  it('keeps an array returned by output as one record', async () => {
    const store = createMemoryJournalStore();
    const pairs = stateful('pairs', source('n', items([1, 2])), {
      init: () => 0,
      step: (s: number, n: number) => s + n,
      output: (s, n) => [n, s],
    });
    const out: number[][] = [];
    await run(flow('outputs', [sink('out', pairs, collect(out))]), { store });
    expect(out).to.deep.equal([[1, 1], [2, 3]]);
  });
});
