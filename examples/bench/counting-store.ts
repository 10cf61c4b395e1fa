import type { CommitBatch, CommitResult, JournalStore } from '@sluice/core';

/** Durable writes into some journals: how many, and how long each took to be durable. */
export interface WriteCount {
  writes: number;
  ms: number;
}

/**
 * The store with its commits counted for the journals `watched` names (the others pass
 * uncounted), so a run can say how many durable writes a batch of a stage cost. Everything
 * else is the store's own, called on the store itself.
 */
export function countingStore(store: JournalStore, watched: (journal: string) => boolean): { store: JournalStore; count: WriteCount } {
  const count: WriteCount = { writes: 0, ms: 0 };
  const commit = async (batch: CommitBatch): Promise<CommitResult> => {
    if (!watched(batch.stage)) return store.commit(batch);
    const started = performance.now();
    try {
      return await store.commit(batch);
    } finally {
      count.writes++;
      count.ms += performance.now() - started;
    }
  };
  const proxy = new Proxy(store, {
    get(target, property): unknown {
      if (property === 'commit') return commit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, count };
}
