import { asBinary, type Binary, type Database, type RootDatabase } from 'lmdb';
import { chainLink, journalPrefix, ZERO_HASH } from '../audit/audit-hash.ts';
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

/** lmdb-js's value encoder of a database (on every database; its typings leave it out). */
interface Encoder {
  encode(value: unknown): Buffer;
}

/**
 * The hash chain of one commit of `stage`: each record is encoded here, hashed, and put as
 * those very bytes (lmdb-js `asBinary`), so what is chained is exactly what a verifier reads,
 * with no read-back. Runs inside the commit's write transaction: the chain entries and the head
 * commit with the records or not at all. A journal whose earlier records were written without
 * audit chains on from the zero hash: the verifier reports those records as unchained.
 */
export class ChainWriter {
  readonly #audit: AuditDbs;
  readonly #stage: string;
  readonly #encoder: Encoder;
  readonly #link: (prev: Uint8Array, seq: number, bytes: Uint8Array) => Buffer;
  #prev: Uint8Array;
  #lastSeq = 0;

  constructor(audit: AuditDbs, journal: JournalDb, stage: string, firstSeq: number) {
    this.#audit = audit;
    this.#stage = stage;
    this.#encoder = (journal as unknown as { encoder: Encoder }).encoder;
    this.#link = chainLink(journalPrefix(stage));
    this.#prev = (firstSeq > 1 ? audit.chain.getBinary([stage, firstSeq - 1]) : undefined) ?? ZERO_HASH;
  }

  /** The value to put at `seq` for `stored`: its encoded bytes, chained. */
  link(seq: number, stored: unknown): Binary {
    // The encoder reuses its buffer: the bytes are hashed and put before the next encode.
    const bytes = this.#encoder.encode(stored);
    this.#prev = this.#link(this.#prev, seq, bytes);
    this.#audit.chain.putSync([this.#stage, seq], this.#prev as Buffer);
    this.#lastSeq = seq;
    return asBinary(bytes);
  }

  /** Writes the journal's new head (nothing when no record was linked). */
  finish(): void {
    if (this.#lastSeq > 0) this.#audit.heads.putSync(this.#stage, [this.#lastSeq, this.#prev]);
  }
}
