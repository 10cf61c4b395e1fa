import { expect } from 'chai';
import {
  createMemoryJournalStore,
  defineStageKind,
  ErrorCode,
  flow,
  sink,
  source,
  stageNode,
  stageRef,
  TerminalError,
  type CommitBatch,
  type Flow,
  type JournalStore,
} from '@sluice/core';
import { intermediateJournal, registerStageProcessor, run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

// A toy kind shaped like an effect: per input it makes an intermediate record durable before
// the batch commit (the "outcome" of a call, here value × 10), and emits it. It calls out
// (counts in `calls`) only when no intermediate is found for that input.
interface ToySpec {
  readonly calls: number[];
  readonly recalled: number[];
}

const toyKind = defineStageKind<ToySpec>({ name: 'test.intermediate', ports: () => 1 });

registerStageProcessor(toyKind, (node) => ({
  handle: async (input, upstream, out, _index, steps) => {
    const cause = { stage: upstream, seq: input.seq };
    let outcome = (await steps.recall(cause, 0)) as number | undefined;
    if (outcome === undefined) {
      node.spec.calls.push(input.payload as number);
      outcome = (input.payload as number) * 10;
      await steps.commit(cause, 0, outcome);
    } else {
      node.spec.recalled.push(input.payload as number);
    }
    out.emit(outcome, cause);
  },
  end: () => undefined,
  state: () => undefined,
  rollback: () => undefined,
  keepsState: false,
}));

/** The memory store, except that the batch commits of `stage` numbered in `failing` (1-based) fail. */
function crashingStore(inner: JournalStore, stage: string, failing: Set<number>): JournalStore {
  let batches = 0;
  return {
    ...inner,
    commit: (batch: CommitBatch) => {
      if (batch.stage === stage && failing.has(++batches)) {
        // Terminal: the run fails (no in-process restart), as a crash would end it.
        return Promise.reject(new TerminalError(ErrorCode.StoreWrite, 'simulated crash before the batch commit'));
      }
      return inner.commit(batch);
    },
  };
}

const toyFlow = (spec: ToySpec, out: number[], batchSize: number): Flow => {
  const nums = source('nums', items([1, 2, 3, 4, 5]));
  const toy = stageRef<number>(stageNode(toyKind, { name: 'toy', inputs: [nums.edge], spec, options: { batchSize } }));
  return flow('intermediates', [sink('out', toy, collect(out))]);
};

async function settle(promise: PromiseLike<unknown>): Promise<void> {
  try {
    await promise;
  } catch {
    // The simulated crash; the next run recovers.
  }
}

describe('intermediate commits', () => {
  let inner: JournalStore;
  beforeEach(() => {
    inner = createMemoryJournalStore();
  });
  afterEach(() => inner.close());

  it('keeps what a step committed before a failed batch commit, and a re-run does not write it twice', async () => {
    const spec: ToySpec = { calls: [], recalled: [] };
    await settle(run(toyFlow(spec, [], 5), { store: crashingStore(inner, 'toy', new Set([1])) }));
    expect(spec.calls).to.deep.equal([1, 2, 3, 4, 5]);
    expect(await inner.lastSeq(intermediateJournal('toy'))).to.equal(5);
    expect(await inner.lastSeq('toy')).to.equal(0);

    const out: number[] = [];
    const summary = await run(toyFlow(spec, out, 5), { store: inner });
    expect(summary.state).to.equal('completed');
    expect(spec.calls).to.deep.equal([1, 2, 3, 4, 5]);
    expect(spec.recalled).to.deep.equal([1, 2, 3, 4, 5]);
    expect(out).to.deep.equal([10, 20, 30, 40, 50]);
    expect(await inner.lastSeq(intermediateJournal('toy'))).to.equal(5);
    // The batch moved the stage's cursor over its side journal past what it covered.
    expect(await inner.cursor('toy', intermediateJournal('toy'))).to.equal(5);
  });

  it('still finds every intermediate when the re-run reads smaller batches and crashes again', async () => {
    const spec: ToySpec = { calls: [], recalled: [] };
    await settle(run(toyFlow(spec, [], 5), { store: crashingStore(inner, 'toy', new Set([1])) }));
    // Batches of 2: the first (inputs 1, 2) commits, the second fails; 3-5 stay pending.
    await settle(run(toyFlow(spec, [], 2), { store: crashingStore(inner, 'toy', new Set([2])) }));
    expect(await inner.cursor('toy', intermediateJournal('toy'))).to.equal(2);
    const out: number[] = [];
    await run(toyFlow(spec, out, 2), { store: inner });
    expect(spec.calls).to.deep.equal([1, 2, 3, 4, 5]);
    expect(await inner.lastSeq(intermediateJournal('toy'))).to.equal(5);
    expect((await inner.read('toy', 0, 100)).filter((r) => r.kind === 'data').map((r) => r.payload)).to.deep.equal([10, 20, 30, 40, 50]);
  });
});
