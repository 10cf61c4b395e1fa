import type { KeyObject } from 'node:crypto';
import { checkpointDigest, checkpointMessage, merkleRoot, sameBytes, ZERO_HASH } from './audit-hash.ts';
import { verifySignature } from './audit-keys.ts';
import type { AuditSource, SignedCheckpoint } from './audit-source.ts';
import { walkChain, type AuditFinding, type ChainWalk } from './verify-chain.ts';

/**
 * The outcome of a verification.
 * - `verified`: every chain link and every signature checks out.
 * - `tampered`: something was altered, removed, inserted, reordered or rolled back.
 * - `unverifiable`: there is no signed audit data to check.
 */
export type AuditStatus = 'verified' | 'tampered' | 'unverifiable';

/** Records past a journal's last signed seq: chained, but no signature covers them yet. */
export interface UnsignedTail {
  readonly journal: string;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/** What {@link verifyAudit} found. */
export interface AuditReport {
  readonly status: AuditStatus;
  /** The first finding per journal, then checkpoint and head-file findings. */
  readonly findings: readonly AuditFinding[];
  readonly journals: number;
  /** Records whose links verified. */
  readonly records: number;
  readonly checkpoints: number;
  /** The last checkpoint that verified. */
  readonly lastCheckpoint?: { readonly n: number; readonly at: number };
  readonly unsigned: readonly UnsignedTail[];
  /** Whether a head file was compared (without one, a rolled-back data file cannot be seen). */
  readonly headChecked: boolean;
}

/** Options of {@link verifyAudit}. */
export interface VerifyAuditOptions {
  readonly publicKey: KeyObject;
  /** The latest checkpoint as copied out of the data (the head file), if there is one. */
  readonly head?: SignedCheckpoint;
}

/**
 * Verifies an audit trail against the public key alone: the checkpoints form a signed chain,
 * each root is the Merkle root of its leaves, every journal's hash chain recomputes from its
 * stored bytes, each signed head matches the chain at its seq, and the head file's checkpoint
 * is not ahead of the data (else the data was rolled back).
 */
export function verifyAudit(source: AuditSource, options: VerifyAuditOptions): AuditReport {
  const findings: AuditFinding[] = [];
  const checkpoints = source.checkpoints();
  if (checkpoints.length === 0 && !hasChain(source)) return options.head === undefined ? unverifiable(source) : removed(source, options.head);
  const valid = checkCheckpoints(checkpoints, options.publicKey, findings);
  const leafSeqs = seqsOfLeaves(valid);
  const walks = new Map<string, ChainWalk>();
  let records = 0;
  for (const journal of source.journals()) {
    const walk = walkChain(source, journal, leafSeqs.get(journal) ?? new Set());
    walks.set(journal, walk);
    records += walk.verified;
    if (walk.finding !== undefined) findings.push(walk.finding);
  }
  checkLeaves(valid, walks, findings);
  const headChecked = options.head !== undefined;
  if (options.head !== undefined) checkHead(options.head, valid, walks, options.publicKey, findings);
  const last = valid.at(-1);
  const unsigned = unsignedTails(walks, last);
  if (last?.final === true) findings.push(...unsigned.map((tail) => appended(tail, last.n)));
  const status = findings.length > 0 ? 'tampered' : last === undefined ? 'unverifiable' : 'verified';
  return {
    status,
    findings,
    journals: walks.size,
    records,
    checkpoints: valid.length,
    ...(last === undefined ? {} : { lastCheckpoint: { n: last.n, at: last.at } }),
    unsigned,
    headChecked,
  };
}

/** Whether any journal has a chain entry: without one and without checkpoints, audit never ran. */
function hasChain(source: AuditSource): boolean {
  for (const journal of source.journals()) {
    for (const _ of source.chainSeqs(journal)) return true;
  }
  return false;
}

/** No audit data, yet the head file signed a checkpoint: the trail was removed or the file replaced. */
function removed(source: AuditSource, head: SignedCheckpoint): AuditReport {
  const message = `the data holds no audit data, but the head file signed checkpoint ${head.n}: the audit trail was removed, or the data file replaced by one written without audit`;
  return { ...unverifiable(source), status: 'tampered', findings: [{ kind: 'rolled-back', message }], headChecked: true };
}

function unverifiable(source: AuditSource): AuditReport {
  const base = { findings: [], records: 0, checkpoints: 0, unsigned: [], headChecked: false };
  return { status: 'unverifiable', journals: source.journals().length, ...base };
}

/** The checkpoints whose signature, chain link and root verify, up to the first that does not. */
function checkCheckpoints(list: readonly (readonly [number, SignedCheckpoint])[], key: KeyObject, findings: AuditFinding[]): SignedCheckpoint[] {
  const valid: SignedCheckpoint[] = [];
  let prev: Uint8Array = ZERO_HASH;
  for (const [stored, checkpoint] of list) {
    const n = valid.length + 1;
    const problem =
      stored !== n || checkpoint.n !== n
        ? `checkpoint ${n} is missing (found ${stored} in its place)`
        : !verifySignature(key, checkpointMessage(checkpoint), checkpoint.signature)
          ? `checkpoint ${n}: its signature does not verify with this key (altered, or signed by another key)`
          : !sameBytes(checkpoint.prev, prev)
            ? `checkpoint ${n} does not follow checkpoint ${n - 1}`
            : !sameBytes(merkleRoot(leavesOf(checkpoint)), checkpoint.root)
              ? `checkpoint ${n}: its journal heads do not match its signed root`
              : undefined;
    if (problem !== undefined) {
      findings.push({ kind: 'signature', message: problem });
      break;
    }
    valid.push(checkpoint);
    prev = checkpointDigest(checkpoint);
  }
  return valid;
}

function leavesOf(checkpoint: SignedCheckpoint): { journal: string; lastSeq: number; head: Uint8Array }[] {
  return checkpoint.leaves.map(([journal, lastSeq, head]) => ({ journal, lastSeq, head }));
}

function seqsOfLeaves(checkpoints: readonly SignedCheckpoint[]): Map<string, Set<number>> {
  const seqs = new Map<string, Set<number>>();
  for (const checkpoint of checkpoints) {
    for (const [journal, lastSeq] of checkpoint.leaves) {
      const set = seqs.get(journal) ?? new Set<number>();
      set.add(lastSeq);
      seqs.set(journal, set);
    }
  }
  return seqs;
}

/**
 * Each signed head against the recomputed chain of a journal that walked clean (a journal with
 * a finding is already named). A journal shorter than a signed seq lost its tail; a head that
 * differs means the chain itself was rewritten after the record changed: the change lies after
 * the last signed seq that still matches.
 */
function checkLeaves(checkpoints: readonly SignedCheckpoint[], walks: ReadonlyMap<string, ChainWalk>, findings: AuditFinding[]): void {
  const reported = new Set<string>(findings.flatMap((f) => (f.journal === undefined ? [] : [f.journal])));
  const good = new Map<string, number>();
  for (const checkpoint of checkpoints) {
    for (const [journal, lastSeq, head] of checkpoint.leaves) {
      if (reported.has(journal)) continue;
      const walk = walks.get(journal);
      const verified = walk?.verified ?? 0;
      const hash = walk?.hashes.get(lastSeq);
      if (verified < lastSeq) {
        findings.push(tail(journal, verified, `checkpoint ${checkpoint.n} signed seq ${lastSeq}`, 'truncated'));
      } else if (hash === undefined || !sameBytes(hash, head)) {
        const from = (good.get(journal) ?? 0) + 1;
        findings.push({
          kind: 'altered',
          journal,
          seq: from,
          message: `journal "${journal}": a record in seq ${from}..${lastSeq} was altered and its chain rewritten (checkpoint ${checkpoint.n} signed another head at seq ${lastSeq})`,
        });
      } else {
        good.set(journal, lastSeq);
        continue;
      }
      reported.add(journal);
    }
  }
}

function tail(journal: string, verified: number, what: string, kind: 'truncated' | 'rolled-back'): AuditFinding {
  const seq = verified + 1;
  const why = kind === 'truncated' ? 'its tail was removed' : 'the data file was replaced with an older copy';
  return { kind, journal, seq, message: `journal "${journal}" seq ${seq}: the journal ends at seq ${verified} but ${what}: ${why}` };
}

/** The head file's checkpoint must be one the data holds, else the data went back in time. */
function checkHead(
  head: SignedCheckpoint,
  valid: readonly SignedCheckpoint[],
  walks: ReadonlyMap<string, ChainWalk>,
  key: KeyObject,
  findings: AuditFinding[],
): void {
  if (!verifySignature(key, checkpointMessage(head), head.signature)) {
    findings.push({ kind: 'signature', message: `the head file's checkpoint ${head.n}: its signature does not verify with this key` });
    return;
  }
  const held = valid.find((c) => c.n === head.n);
  if (held !== undefined) {
    if (!sameBytes(held.root, head.root)) findings.push({ kind: 'signature', message: `checkpoint ${head.n} differs from the head file's copy` });
    return;
  }
  const behind = head.leaves.find(([journal, lastSeq]) => (walks.get(journal)?.verified ?? 0) < lastSeq);
  const what = `the head file signed seq ${behind?.[1] ?? 0} (checkpoint ${head.n}; the data holds checkpoints up to ${valid.length})`;
  if (behind !== undefined) findings.push(tail(behind[0], walks.get(behind[0])?.verified ?? 0, what, 'rolled-back'));
  else findings.push({ kind: 'rolled-back', message: `the data holds checkpoints up to ${valid.length} but the head file signed checkpoint ${head.n}: the data file was replaced with an older copy` });
}

/** A record past a final checkpoint: the run had ended, so it was appended without the key. */
function appended(tail: UnsignedTail, n: number): AuditFinding {
  const { journal, fromSeq } = tail;
  const message = `journal "${journal}" seq ${fromSeq}: written after the run closed (checkpoint ${n} signed its end): appended without the key`;
  return { kind: 'inserted', journal, seq: fromSeq, message };
}

function unsignedTails(walks: ReadonlyMap<string, ChainWalk>, last: SignedCheckpoint | undefined): UnsignedTail[] {
  const signed = new Map((last?.leaves ?? []).map(([journal, lastSeq]) => [journal, lastSeq]));
  const tails: UnsignedTail[] = [];
  for (const [journal, walk] of walks) {
    const from = (signed.get(journal) ?? 0) + 1;
    if (walk.finding === undefined && walk.verified >= from) tails.push({ journal, fromSeq: from, toSeq: walk.verified });
  }
  return tails;
}
