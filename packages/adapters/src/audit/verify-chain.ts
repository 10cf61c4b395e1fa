import { chainHash, sameBytes, ZERO_HASH } from './audit-hash.ts';
import type { AuditSource } from './audit-source.ts';

/** How a record was found changed. */
export type TamperKind = 'altered' | 'removed' | 'inserted' | 'reordered' | 'truncated' | 'rolled-back' | 'signature';

/** One thing found wrong, naming the journal and the first seq where it shows. */
export interface AuditFinding {
  readonly kind: TamperKind;
  readonly journal?: string;
  readonly seq?: number;
  readonly message: string;
}

/** What walking one journal's chain found. */
export interface ChainWalk {
  /** Records whose links all verified, from seq 1 (the verified prefix). */
  readonly verified: number;
  /** Recomputed chain hashes at the seqs asked for (checkpoint leaves) within the prefix. */
  readonly hashes: ReadonlyMap<number, Uint8Array>;
  /** The first problem, if any. */
  readonly finding?: AuditFinding;
}

/** How far from a broken seq to look for the record that was moved there. */
const MOVE_WINDOW = 10_000;

/**
 * Recomputes `journal`'s chain from the zero hash over its stored records, comparing each link
 * with the stored one; stops at the first record that is missing, unchained or does not match,
 * and says which of altered, removed, inserted or reordered explains it best. Past the last
 * record, a stored chain entry means the tail was cut off.
 */
export function walkChain(source: AuditSource, journal: string, wanted: ReadonlySet<number>): ChainWalk {
  const hashes = new Map<number, Uint8Array>();
  let prev: Uint8Array = ZERO_HASH;
  let expected = 1;
  const at = (seq: number, message: string, kind: TamperKind): ChainWalk => ({
    verified: expected - 1,
    hashes,
    finding: { kind, journal, seq, message: `journal "${journal}" seq ${seq}: ${message}` },
  });
  for (const [seq, bytes] of source.records(journal)) {
    if (seq !== expected) return at(expected, `the record is missing (the journal jumps to seq ${seq})`, 'removed');
    const stored = source.chainAt(journal, seq);
    if (stored === undefined) return at(seq, 'the record has no chain entry (inserted, or written without audit)', 'inserted');
    const hash = chainHash(prev, journal, seq, bytes);
    if (!sameBytes(hash, stored)) {
      const [kind, message] = classify(source, journal, seq, bytes);
      return at(seq, message, kind);
    }
    if (wanted.has(seq)) hashes.set(seq, hash);
    prev = hash;
    expected += 1;
  }
  if (source.chainAt(journal, expected) !== undefined) {
    return at(expected, `the journal ends at seq ${expected - 1} but its chain goes on: the tail was removed`, 'truncated');
  }
  return { verified: expected - 1, hashes };
}

/** Whether `bytes` are the record chained at `seq` (its link verifies from the stored previous hash). */
function chainedAt(source: AuditSource, journal: string, seq: number, bytes: Uint8Array): boolean {
  const prev = seq === 1 ? ZERO_HASH : source.chainAt(journal, seq - 1);
  const stored = source.chainAt(journal, seq);
  return prev !== undefined && stored !== undefined && sameBytes(chainHash(prev, journal, seq, bytes), stored);
}

/** Why the record at `seq` fails its link: it belongs elsewhere in the chain, or it was changed. */
function classify(source: AuditSource, journal: string, seq: number, bytes: Uint8Array): [TamperKind, string] {
  const next = source.record(journal, seq + 1);
  const shiftedRight = next !== undefined && chainedAt(source, journal, seq, next);
  const other = chainedElsewhere(source, journal, seq, bytes);
  if (other === undefined) {
    return shiftedRight
      ? ['inserted', `a record not in the chain was inserted here (the chained record of seq ${seq} is now at seq ${seq + 1})`]
      : ['altered', 'the record was altered (its bytes do not match the chain)'];
  }
  // Every seq before this one verified with its own bytes: these are a copy of one of them.
  if (other < seq) return ['inserted', `a copy of the record of seq ${other} was inserted here`];
  if (other === seq + 1 && !shiftedRight && source.record(journal, lastChained(source, journal)) === undefined) {
    return ['removed', `the record was removed (seq ${seq + 1}'s record and the later ones moved up)`];
  }
  return ['reordered', `it holds the record chained at seq ${other}: records were reordered`];
}

/** The seq (near `seq`) whose chain link `bytes` verify at, if any. */
function chainedElsewhere(source: AuditSource, journal: string, seq: number, bytes: Uint8Array): number | undefined {
  for (const other of source.chainSeqs(journal)) {
    if (other < seq - MOVE_WINDOW) continue;
    if (other > seq + MOVE_WINDOW) break;
    if (other !== seq && chainedAt(source, journal, other, bytes)) return other;
  }
  return undefined;
}

function lastChained(source: AuditSource, journal: string): number {
  let last = 0;
  for (const seq of source.chainSeqs(journal)) last = seq;
  return last;
}
