import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  sink,
  source,
  stateful,
  transform,
  type CommitBatch,
  type JournalStore,
  type SourceHandler,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

/** A commit as the store saw it when it applied it. */
interface Applied {
  readonly stage: string;
  readonly records: number;
  readonly cursors: Readonly<Record<string, number>>;
  readonly state: unknown;
}

/** Options of the deferred store: reject the n-th commit (1-based) of a stage; a slower stage. */
interface Deferred {
  readonly failAt?: { readonly stage: string; readonly commit: number };
  /** Its commits take 10 turns of the event loop instead of 1, so its upstream is ahead while it commits. */
  readonly slow?: string;
}

/**
 * A memory store that, like LMDB, reads a batch only when its transaction runs, on a later turn
 * of the event loop than `commit` returned on (no real time passes); it records what it
 * applied, and counts commit calls per stage.
 */
function deferredStore(options: Deferred = {}): { store: JournalStore; applied: Applied[]; calls: Map<string, number> } {
  const inner = createMemoryJournalStore();
  const applied: Applied[] = [];
  const calls = new Map<string, number>();
  const commit = async (batch: CommitBatch): ReturnType<JournalStore['commit']> => {
    const call = (calls.get(batch.stage) ?? 0) + 1;
    calls.set(batch.stage, call);
    await afterTurns(batch.stage === options.slow ? 10 : 1);
    if (options.failAt?.stage === batch.stage && options.failAt.commit === call) {
      throw new Error(`disk full at commit ${String(call)}`);
    }
    const state: unknown = batch.state === undefined ? undefined : JSON.parse(JSON.stringify(batch.state));
    applied.push({ stage: batch.stage, records: batch.records.length, cursors: { ...batch.cursors }, state });
    return inner.commit(batch);
  };
  const store: JournalStore = {
    kind: 'deferred',
    lastSeq: (j) => inner.lastSeq(j),
    read: (j, after, limit) => inner.read(j, after, limit),
    cursor: (c, u) => inner.cursor(c, u),
    loadState: (s) => inner.loadState(s),
    commit,
    getKeyed: (s, k) => inner.getKeyed(s, k),
    getKeyedMany: (s, k) => inner.getKeyedMany(s, k),
    scanKeyed: (s, r) => inner.scanKeyed(s, r),
    countKeyed: (s) => inner.countKeyed(s),
    stats: (j) => inner.stats(j),
    journals: () => inner.journals(),
    readMeta: (k) => inner.readMeta(k),
    writeMeta: (k, v) => inner.writeMeta(k, v),
    subscribe: (l) => inner.subscribe(l),
    close: () => inner.close(),
  };
  return { store, applied, calls };
}

/** Resolves after `turns` turns of the event loop. */
async function afterTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('stage loop: reading the next batch while one commits', () => {
  it('commits every stage in order, each batch once, nothing skipped', async () => {
    const { store, applied } = deferredStore();
    const out: number[] = [];
    const doubled = transform('double', source('nums', items(range(3000))), (n: number) => n * 2);
    const summary = await run(flow('ordered', [sink('out', doubled, collect(out))]), { store, batchSize: 100 });
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(range(3000).map((n) => n * 2));
    for (const [stage, upstream] of [['double', 'nums'], ['out', 'double']] as const) {
      let consumed = 0;
      for (const commit of applied.filter((a) => a.stage === stage)) {
        const cursor = commit.cursors[upstream];
        if (cursor === undefined) continue;
        expect(cursor, `${stage} commits its cursors in order`).to.be.greaterThan(consumed);
        consumed = cursor;
      }
      expect(consumed, `${stage} consumed everything and the EOF`).to.equal(3001);
    }
    await store.close();
  });

  it('never commits a batch after a commit of the same stage failed', async () => {
    const { store, applied, calls } = deferredStore({ failAt: { stage: 'double', commit: 3 } });
    const out: number[] = [];
    // No restart: this is about the one loop whose commit failed.
    const doubled = transform('double', source('nums', items(range(3000))), (n: number) => n * 2, { restart: { maxRestarts: 0 } });
    const handle = run(flow('failing', [sink('out', doubled, collect(out))]), { store, batchSize: 100 });
    let failed: unknown;
    try {
      await handle;
    } catch (error) {
      failed = error;
    }
    expect(String(failed)).to.match(/disk full at commit 3/);
    expect(calls.get('double'), 'no commit of "double" was issued after the failed one').to.equal(3);
    const committed = applied.filter((a) => a.stage === 'double');
    expect(committed).to.have.length(2);
    expect(await store.cursor('double', 'nums')).to.equal(committed[1]?.cursors['nums']);
    expect(out).to.deep.equal(range(200).map((n) => n * 2).slice(0, out.length));
    await store.close();
  });

  it('commits a stateful stage the state that goes with its cursor, also when steps mutate it', async () => {
    const { store, applied } = deferredStore({ slow: 'count' });
    const counted = stateful('count', source('nums', items(range(2000))), {
      init: () => ({ count: 0, sum: 0 }),
      step: (acc, n: number) => {
        acc.count += 1;
        acc.sum += n;
        return acc;
      },
      output: (_acc, n) => n,
    });
    await run(flow('stateful', [sink('out', counted, collect([]))]), { store, batchSize: 100 });
    const commits = applied.filter((a) => a.stage === 'count' && a.cursors['nums'] !== undefined);
    expect(commits.length).to.be.greaterThan(5);
    for (const commit of commits) {
      const consumed = Math.min(2000, commit.cursors['nums'] ?? 0);
      expect(commit.state).to.deep.include({ count: consumed });
    }
    await store.close();
  });

  it('commits a source the position that goes with its records, also when the reader reuses it', async () => {
    const { store, applied } = deferredStore();
    const reused: SourceHandler<number, { read: number }> = {
      open: () => {
        const position = { read: 0 };
        return {
          read: (max) => {
            const values = range(Math.min(max, 1000 - position.read)).map((i) => position.read + i);
            position.read += values.length;
            return Promise.resolve({ values, position, done: position.read >= 1000 });
          },
        };
      },
    };
    await run(flow('positions', [sink('out', source('nums', reused), collect([]))]), { store, batchSize: 100 });
    let appended = 0;
    for (const commit of applied.filter((a) => a.stage === 'nums')) {
      appended += commit.records;
      const data = Math.min(appended, 1000);
      expect(commit.state).to.deep.equal({ read: data });
    }
    await store.close();
  });
});
