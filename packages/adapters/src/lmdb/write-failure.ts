import { statfsSync } from 'node:fs';
import { constants } from 'node:os';
import type { RootDatabase } from 'lmdb';
import { ErrorCode, TerminalError, errorMessage, type SluiceError } from '@sluice/core';

/** LMDB's return code when the environment's map cannot take another page. */
const MDB_MAP_FULL = -30792;
/** Below this much free space, an I/O error while writing is taken for a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * What a failed LMDB write means, in one line naming the data directory: lmdb-js rejects every
 * commit of a failed transaction with `Commit failed (see commitError for details)`, the cause
 * (errno, or an LMDB code) waiting in the promise `commitError`. ENOSPC, MDB_MAP_FULL and an EIO
 * on a nearly full file system (what a full tmpfs reports) become SluiceError STORE_WRITE
 * "out of space"; another EIO a STORE_WRITE I/O error. Both are TerminalErrors: the store's
 * disk is every stage's, so restarting one stage cannot help; the run fails and the next run,
 * once there is space, resumes. Anything else is returned as given.
 */
export async function writeFailure(path: string, error: unknown): Promise<unknown> {
  const cause = await commitCause(error);
  const code = (cause as { code?: unknown } | undefined)?.code;
  const detail = errorMessage(cause);
  if (code === constants.errno.ENOSPC || code === 'ENOSPC') return outOfSpace(path, detail, cause);
  if (code === MDB_MAP_FULL) return outOfSpace(path, `its LMDB map is full: ${detail}`, cause);
  if (code === constants.errno.EIO || code === 'EIO') {
    if (nearlyFull(path)) return outOfSpace(path, `its file system is full; the write failed with "${detail}"`, cause);
    return new TerminalError(
      ErrorCode.StoreWrite,
      `data directory ${path}: the disk reported an I/O error while writing (${detail}); the commit was not written`,
      { cause },
    );
  }
  return error;
}

/**
 * lmdb-js rejects the commit promise of an event turn's write batch without anyone holding it
 * (write.js, `writeBatchStart`), so a failed commit would also end the process with an
 * unhandled rejection, after the store has reported it. Call after queueing a write: it marks
 * the batch's promise as observed, now and once the batch has started.
 */
export function observeBatchCommit(root: RootDatabase): void {
  void root.committed.then(ignore, ignore);
  if (scheduled.has(root)) return;
  scheduled.add(root);
  setImmediate(() => {
    scheduled.delete(root);
    void root.committed.then(ignore, ignore);
  });
}

/** Environments with an observation queued for after this event turn's batch has started. */
const scheduled = new WeakSet<RootDatabase>();

function ignore(): void {
  // the store reports the failure to whoever committed
}

async function commitCause(error: unknown): Promise<unknown> {
  const pending = (error as { commitError?: unknown } | undefined)?.commitError;
  if (pending === undefined || typeof (pending as { then?: unknown }).then !== 'function') return error;
  try {
    await (pending as PromiseLike<unknown>);
    return error;
  } catch (cause) {
    return cause;
  }
}

function outOfSpace(path: string, detail: string, cause: unknown): SluiceError {
  return new TerminalError(
    ErrorCode.StoreWrite,
    `data directory ${path} is out of space (${detail}); the commit was not written: free some space and run again to resume`,
    { cause },
  );
}

function nearlyFull(path: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(path);
    return bavail * bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}
