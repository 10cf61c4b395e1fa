import type { Database, RootDatabase } from 'lmdb';
import { chainHash, ZERO_HASH } from '../audit/audit-hash.ts';
import type { SignedCheckpoint } from '../audit/audit-source.ts';
import type { JournalDb } from './journal-range.ts';

/** Chain keys: the journal and the seq of the record the hash ends with. */
export type ChainKey = [journal: string, seq: number];

/** The databases of the audit trail, all in the flow's environment. */
export interface AuditDbs {
  /** [journal, seq] → the 32-byte chain hash of that record. */
  readonly chain: Database<Buffer, ChainKey>;
  /** journal → [lastSeq, chain hash at lastSeq]: the heads a checkpoint signs. */
  readonly heads: Database<unknown, string>;
  /** checkpoint n → {@link StoredCheckpoint}. */
  readonly checkpoints: Database<unknown, number>;
}

/** A signed checkpoint as stored in the checkpoint db. */
export type StoredCheckpoint = SignedCheckpoint;

/** Database names; internal names have no `:`, so they never collide with journals (`j:…`). */
export const AUDIT_DB_NAMES = { chain: 'auditChain', heads: 'auditHeads', checkpoints: 'auditCheckpoints' } as const;

/** Opens (creating) the audit databases of `root`. */
export function openAuditDbs(root: RootDatabase): AuditDbs {
  return {
    chain: root.openDB<Buffer, ChainKey>(AUDIT_DB_NAMES.chain, { encoding: 'binary' }),
    heads: root.openDB<unknown, string>(AUDIT_DB_NAMES.heads, {}),
    checkpoints: root.openDB<unknown, number>(AUDIT_DB_NAMES.checkpoints, {}),
  };
}

/**
 * Extends `stage`'s hash chain over the records `firstSeq…lastSeq` just put in `journal`, and
 * its head; must run inside the commit's write transaction, so the chain commits with the
 * records or not at all. Hashes the bytes LMDB holds (read back), so what is chained is exactly
 * what a verifier reads. A journal whose earlier records were written without audit chains on
 * from the zero hash: the verifier reports those records as unchained.
 */
export function chainCommit(audit: AuditDbs, journal: JournalDb, stage: string, firstSeq: number, lastSeq: number): void {
  if (lastSeq < firstSeq) return;
  let prev: Uint8Array = (firstSeq > 1 ? audit.chain.getBinary([stage, firstSeq - 1]) : undefined) ?? ZERO_HASH;
  for (let seq = firstSeq; seq <= lastSeq; seq += 1) {
    const bytes = journal.getBinary(seq);
    if (bytes === undefined) throw new Error(`audit: journal "${stage}" seq ${seq} is not there to chain`);
    prev = chainHash(prev, stage, seq, bytes);
    audit.chain.putSync([stage, seq], prev as Buffer);
  }
  audit.heads.putSync(stage, [lastSeq, prev]);
}
