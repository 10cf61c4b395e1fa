/** A signed checkpoint: header fields, signature and the leaves its root covers. */
export interface SignedCheckpoint {
  readonly n: number;
  readonly at: number;
  readonly prev: Uint8Array;
  readonly root: Uint8Array;
  readonly signature: Uint8Array;
  /** Signed at a store's close (see CheckpointHeader.final). */
  readonly final: boolean;
  /** [journal, lastSeq, head] per journal, in journal-name order. */
  readonly leaves: readonly (readonly [string, number, Uint8Array])[];
}

/**
 * What a verifier reads, from a data directory or from a proof bundle alike: the journals'
 * stored record bytes, their chain hashes and the signed checkpoints. Nothing in it is trusted;
 * the public key given to the verifier is the only root of trust.
 */
export interface AuditSource {
  /** Every journal that has records or chain entries, sorted. */
  journals(): readonly string[];
  /** A journal's records in key order: [seq, the bytes as stored]. */
  records(journal: string): Iterable<readonly [number, Uint8Array]>;
  /** One record's stored bytes, undefined if there is none at `seq`. */
  record(journal: string, seq: number): Uint8Array | undefined;
  /** The chain hash stored for `journal` at `seq`, undefined if none. */
  chainAt(journal: string, seq: number): Uint8Array | undefined;
  /** The seqs that have chain entries, ascending. */
  chainSeqs(journal: string): Iterable<number>;
  /** The checkpoints in key order, with the key each is stored under. */
  checkpoints(): readonly (readonly [number, SignedCheckpoint])[];
}
