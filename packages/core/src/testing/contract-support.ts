import assert from 'node:assert/strict';
import type { Envelope } from '../record.ts';
import type { CommitBatch, JournalStore } from '../store.ts';

/** What a contract run opens per test: a fresh store, optionally how to reopen it, and cleanup. */
export interface ContractSubject {
  readonly store: JournalStore;
  /** Opens the same data again after `store` was closed (required when the options say `durable`). */
  readonly reopen?: () => Promise<JournalStore>;
  /** Removes what the subject left (a temporary directory); called after the store is closed. */
  readonly cleanup: () => Promise<void>;
}

/** A data record at `at` carrying `payload`. */
export function data(payload: unknown, at = 1_700_000_000_000): Envelope {
  return { kind: 'data', at, payload };
}

/** A batch of `records` for `stage`, with optional cursors and state. */
export function batch(stage: string, records: readonly Envelope[], extra: Partial<CommitBatch> = {}): CommitBatch {
  return { stage, records, ...extra };
}

/** The error a call throws or rejects with (both count: the port is asynchronous). */
export async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return assert.fail('expected the call to fail');
}

/** Lets queued microtasks and immediates run (commit notifications). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The subject's reopen, which a durable store's subject must have. */
export function reopenOf(subject: ContractSubject): () => Promise<JournalStore> {
  assert.ok(subject.reopen !== undefined, "a durable store's open() must return reopen");
  return subject.reopen;
}
