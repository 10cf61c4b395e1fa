import type { CommitBatch, CommitListener, JournalStore } from '@sluice/core';

/**
 * A store whose reads and writes wait for `gate`, and fail with its error if it rejects. A
 * run hands it to the runtime so that recovery, the first thing to touch the data directory,
 * waits for the ops port to be bound: a taken port then refuses the run with nothing written.
 * Once the gate has opened, calls go straight through. `close` never waits.
 */
export function gatedStore(store: JournalStore, gate: Promise<unknown>): JournalStore {
  let open = false;
  const opened = gate.then(() => {
    open = true;
  });
  // The rejection is reported by the calls that wait; this only keeps it from being unhandled.
  opened.catch(() => undefined);
  const after = <T>(call: () => Promise<T>): Promise<T> => (open ? call() : opened.then(call));
  return {
    kind: store.kind,
    lastSeq: (journal: string) => after(() => store.lastSeq(journal)),
    read: (journal: string, afterSeq: number, limit: number) => after(() => store.read(journal, afterSeq, limit)),
    cursor: (consumer: string, upstream: string) => after(() => store.cursor(consumer, upstream)),
    loadState: (stage: string) => after(() => store.loadState(stage)),
    commit: (batch: CommitBatch) => after(() => store.commit(batch)),
    stats: (journal: string) => after(() => store.stats(journal)),
    journals: () => after(() => store.journals()),
    readMeta: (key: string) => after(() => store.readMeta(key)),
    writeMeta: (key: string, value: unknown) => after(() => store.writeMeta(key, value)),
    subscribe: (listener: CommitListener) => store.subscribe(listener),
    close: () => store.close(),
  };
}
