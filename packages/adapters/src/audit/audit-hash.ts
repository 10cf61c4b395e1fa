import { createHash, hash } from 'node:crypto';

/** The hash before a journal's first record: 32 zero bytes. */
export const ZERO_HASH: Uint8Array = new Uint8Array(32);

/** Domain tag of the checkpoint message, so a signature over it means nothing else. */
const CHECKPOINT_TAG = Buffer.from('sluice-audit-checkpoint/1\n', 'utf8');

/** `n` as 8 bytes, big-endian (seqs and times are below 2^53). */
function u64(n: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(n));
  return bytes;
}

/** A string as its UTF-8 bytes after their length (4 bytes), so that no two fields run together. */
function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * One link of a journal's hash chain: SHA-256(prev ‖ len(journal) ‖ journal ‖ seq ‖ bytes),
 * where `bytes` are the record exactly as the store holds it. Binding the journal and the seq
 * makes a record moved to another place or journal fail its link even with the same bytes.
 */
export function chainHash(prev: Uint8Array, journal: string, seq: number, bytes: Uint8Array): Buffer {
  return chainLink(lengthPrefixed(journal))(prev, seq, bytes);
}

/**
 * {@link chainHash} for one journal, its name encoded once: what a commit uses per record.
 * The input is laid out in one scratch buffer for node:crypto's one-shot `hash`, which costs
 * about a third less per small record than a `createHash` object.
 */
export function chainLink(journalPrefix: Buffer): (prev: Uint8Array, seq: number, bytes: Uint8Array) => Buffer {
  let scratch = Buffer.alloc(32 + journalPrefix.length + 8 + 256);
  journalPrefix.copy(scratch, 32);
  const seqAt = 32 + journalPrefix.length;
  const bytesAt = seqAt + 8;
  return (prev, seq, bytes) => {
    if (scratch.length < bytesAt + bytes.length) {
      const grown = Buffer.alloc(2 * (bytesAt + bytes.length));
      scratch.copy(grown, 0, 0, bytesAt);
      scratch = grown;
    }
    scratch.set(prev, 0);
    scratch.writeBigUInt64BE(BigInt(seq), seqAt);
    scratch.set(bytes, bytesAt);
    return hash('sha256', scratch.subarray(0, bytesAt + bytes.length), 'buffer');
  };
}

/** A journal name as {@link chainLink} takes it. */
export function journalPrefix(journal: string): Buffer {
  return lengthPrefixed(journal);
}

/** One leaf of a checkpoint: a journal's last chained seq and the chain hash there. */
export interface AuditLeaf {
  readonly journal: string;
  readonly lastSeq: number;
  readonly head: Uint8Array;
}

function leafHash(leaf: AuditLeaf): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(lengthPrefixed(leaf.journal))
    .update(u64(leaf.lastSeq))
    .update(leaf.head)
    .digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** RFC 6962's tree hash: split at the largest power of two below the count. */
function treeHash(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0] as Buffer;
  let split = 1;
  while (split * 2 < hashes.length) split *= 2;
  return nodeHash(treeHash(hashes.slice(0, split)), treeHash(hashes.slice(split)));
}

/**
 * The Merkle root over the leaves, taken in journal-name order (so the same heads always give
 * the same root); leaf and node hashes carry distinct prefixes (0, 1) as in RFC 6962.
 */
export function merkleRoot(leaves: readonly AuditLeaf[]): Buffer {
  const sorted = [...leaves].sort((a, b) => (a.journal < b.journal ? -1 : a.journal > b.journal ? 1 : 0));
  return treeHash(sorted.map(leafHash));
}

/** What a checkpoint's signature covers. */
export interface CheckpointHeader {
  /** 1-based, one more than the previous checkpoint. */
  readonly n: number;
  /** When it was signed, on the store's clock (ms). */
  readonly at: number;
  /** {@link checkpointDigest} of checkpoint n − 1 ({@link ZERO_HASH} for the first). */
  readonly prev: Uint8Array;
  /** {@link merkleRoot} of its leaves. */
  readonly root: Uint8Array;
  /**
   * Signed by a store's close: the run ended here, so a record past it before the next
   * (non-final) checkpoint, which the next audited open signs first, was appended without the key.
   */
  readonly final: boolean;
}

/** The bytes an Ed25519 signature of a checkpoint signs: a tag, n, at, prev, the root and final. */
export function checkpointMessage(header: CheckpointHeader): Buffer {
  return Buffer.concat([CHECKPOINT_TAG, u64(header.n), u64(header.at), header.prev, header.root, Buffer.from([header.final ? 1 : 0])]);
}

/** SHA-256 of a checkpoint's message: the next checkpoint's `prev`, so checkpoints form a chain too. */
export function checkpointDigest(header: CheckpointHeader): Buffer {
  return createHash('sha256').update(checkpointMessage(header)).digest();
}

/** Byte equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
