import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, transform, type CommitBatch, type JournalStore } from '@sluice/core';
import { intermediateJournal, run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

/** The memory store, noting every commit's journal and record phases. */
function noting(inner: JournalStore, into: string[][]): JournalStore {
  return {
    ...inner,
    commit: (batch: CommitBatch) => {
      into.push([batch.stage, ...batch.records.map((r) => (r.payload as { value?: { phase?: string } } | null)?.value?.phase ?? r.kind)]);
      return inner.commit(batch);
    },
  };
}

describe('durable effects: writes per handler call', () => {
  it('an outcome rides with the next write: three effects cost three side-journal writes and the batch, not six', async () => {
    const store = createMemoryJournalStore();
    const commits: string[][] = [];
    const three = transform(
      'three',
      source('in', items([1])),
      async (n: number, _record, ctx) => {
        const a = await ctx.effect('a', () => n + 1);
        const b = await ctx.effect('b', () => a + 1);
        return ctx.effect('c', () => b + 1);
      },
    );
    const out: number[] = [];
    await run(flow('writes', [sink('out', three, collect(out))]), { store: noting(store, commits) });
    expect(out).to.deep.equal([4]);
    const side = intermediateJournal('three');
    const ofStage = commits.filter(([journal]) => journal === side || journal === 'three');
    expect(ofStage).to.deep.equal([
      [side, 'intent'],
      [side, 'outcome', 'intent'],
      [side, 'outcome', 'intent'],
      [side, 'outcome'],
      ['three', 'data', 'eof'],
    ]);
  });
});
