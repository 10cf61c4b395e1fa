import type { Database } from 'lmdb';
import {
  ErrorCode,
  JournalCorruptError,
  SluiceError,
  TerminalError,
  errorMessage,
  type CommitBatch,
  type CommitResult,
} from '@sluice/core';
import { lastKey, type JournalDb } from './journal-range.ts';
import { ChainWriter, type AuditDbs } from './audit-chain.ts';
import { applyKeyed, type KeyedDbs } from './keyed-state.ts';
import { toStats, toStored } from './record-codec.ts';

/** `append` makes LMDB refuse (false) a seq that is not past the last key: never overwrite. */
const APPEND = { append: true } as const;

/** Cursor keys: the consuming stage and the upstream journal it reads. */
export type CursorKey = [consumer: string, upstream: string];

/** The databases a commit writes besides the stage's journal. */
export interface CommitDbs extends KeyedDbs {
  readonly cursors: Database<unknown, CursorKey>;
  readonly state: Database<unknown, string>;
  readonly stats: Database<unknown, string>;
  /** With the store's `audit` option: every record is hash-chained in the same transaction. */
  readonly audit?: AuditDbs;
}

/**
 * Writes one commit; must run inside a write transaction (lmdb-js `childTransaction`), since it
 * reads and writes synchronously. Records get seqs after the last assigned one (`lastSeq`, a
 * cache of the last seq assigned per journal, updated only when everything was written).
 * Anything it throws is a SluiceError and aborts the commit: TerminalError (MALFORMED_INPUT)
 * when a value cannot be stored.
 */
export function applyCommit(
  dbs: CommitDbs,
  lastSeq: Map<string, number>,
  journal: JournalDb,
  batch: CommitBatch,
): CommitResult {
  const { stage } = batch;
  try {
    const firstSeq = lastAssigned(lastSeq, journal, stage) + 1;
    let seq = firstSeq - 1;
    if (batch.records.length > 0) {
      const stats = toStats(stage, dbs.stats.get(stage));
      const chain = dbs.audit === undefined ? undefined : new ChainWriter(dbs.audit, journal, stage, firstSeq);
      for (const record of batch.records) {
        seq += 1;
        const stored = toStored(record, stage);
        const appended = journal.putSync(seq, chain === undefined ? stored : chain.link(seq, stored), APPEND) as unknown;
        if (appended === false) {
          throw new JournalCorruptError(`journal "${stage}": seq ${seq} is already taken`, {
            stage,
            seq,
          });
        }
        stats[record.kind] += 1;
      }
      dbs.stats.putSync(stage, stats);
      chain?.finish();
    }
    for (const [upstream, consumed] of Object.entries(batch.cursors ?? {})) {
      dbs.cursors.putSync([stage, upstream], consumed);
    }
    if (batch.state !== undefined) dbs.state.putSync(stage, batch.state);
    if (batch.keyed !== undefined) applyKeyed(dbs, stage, batch.keyed);
    lastSeq.set(stage, seq);
    return { firstSeq, lastSeq: seq };
  } catch (error) {
    // The child transaction is rolled back: keyed deltas it added in memory must go too.
    dbs.deltas.invalidate();
    if (error instanceof SluiceError) throw error;
    throw new TerminalError(
      ErrorCode.MalformedInput,
      `commit of stage "${stage}" cannot be stored, nothing was written: ${errorMessage(error)}`,
      { stage, cause: error },
    );
  }
}

/**
 * The last seq of the journal as this transaction sees it: the cached one when its record is
 * there (one point lookup), else the last key. A cached seq whose transaction failed to commit
 * is not there, so it is never appended after (which would leave a gap).
 */
function lastAssigned(cache: Map<string, number>, journal: JournalDb, stage: string): number {
  const cached = cache.get(stage);
  if (cached !== undefined && (cached === 0 || journal.doesExist(cached))) return cached;
  return lastKey(journal);
}
