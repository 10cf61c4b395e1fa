import { ErrorCode, TerminalError, type CommitBatch, type JournalStore } from '@sluice/core';

/**
 * The store, except that commits matching `fails` are refused with a TerminalError (the run
 * fails at once, as a crash would end it there), `times` times.
 */
export function failingStore(inner: JournalStore, fails: (batch: CommitBatch) => boolean, times = 1): JournalStore {
  let left = times;
  return {
    ...inner,
    commit: (batch) => {
      if (left > 0 && fails(batch)) {
        left--;
        return Promise.reject(new TerminalError(ErrorCode.StoreWrite, 'simulated crash'));
      }
      return inner.commit(batch);
    },
  };
}

/** True for a commit of the side journal that holds an effect's outcome. */
export const isOutcome = (batch: CommitBatch): boolean =>
  batch.records.some((r) => (r.payload as { value?: { phase?: string } } | null)?.value?.phase === 'outcome');
