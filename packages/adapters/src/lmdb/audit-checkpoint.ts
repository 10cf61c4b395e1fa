import type { KeyObject } from 'node:crypto';
import type { RootDatabase } from 'lmdb';
import type { Clock } from '@sluice/core';
import { checkpointDigest, merkleRoot, sameBytes, ZERO_HASH, type AuditLeaf } from '../audit/audit-hash.ts';
import { signMessage, toPrivateKey } from '../audit/audit-keys.ts';
import { checkpointMessage } from '../audit/audit-hash.ts';
import { defaultHeadFile, writeHeadFile } from '../audit/head-file.ts';
import { openAuditDbs, type AuditDbs, type StoredCheckpoint } from './audit-chain.ts';
import type { LmdbAuditOptions } from './audit-options.ts';


const SYSTEM_CLOCK: Pick<Clock, 'now'> = { now: () => Date.now() };

/**
 * The signing half of the audit trail in one LMDB environment. Commits chain their records
 * (see `ChainWriter`); this signs the heads of all chains as one Merkle root — every
 * `everyCommits` commits or `everyMs`, and at close — in a checkpoint written in a transaction
 * of its own, then, once it is durable, copies it to the head file.
 */
export class LmdbAudit {
  /** The audit databases, written by commits. */
  readonly dbs: AuditDbs;
  readonly #root: RootDatabase;
  readonly #key: KeyObject;
  readonly #everyCommits: number;
  readonly #everyMs: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #headFile: string | undefined;
  readonly #pending = new Set<Promise<unknown>>();
  #commits = 0;
  #lastAt: number;

  /** Opens the audit databases; throws SluiceError (CONFIG) when the key is no Ed25519 private key. */
  constructor(root: RootDatabase, dataDir: string, options: LmdbAuditOptions) {
    this.#key = toPrivateKey(options.key);
    this.#root = root;
    this.dbs = openAuditDbs(root);
    this.#everyCommits = options.everyCommits ?? 1000;
    this.#everyMs = options.everyMs ?? 10_000;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#headFile = options.headFile === false ? undefined : (options.headFile ?? defaultHeadFile(dataDir));
    this.#lastAt = this.#clock.now();
    this.#reopen();
  }

  /** After a run's final checkpoint, this run's records follow a (non-final) opening one. */
  #reopen(): void {
    const at = this.#clock.now();
    const signed = this.#root.transactionSync(() => (this.#last()?.final === true ? this.#sign(at, false) : undefined));
    if (signed !== undefined && this.#headFile !== undefined) writeHeadFile(this.#headFile, signed);
  }

  /** Called after each commit is queued: queues a checkpoint behind it when one is due. */
  committed(): void {
    this.#commits += 1;
    if (this.#commits < this.#everyCommits && this.#clock.now() - this.#lastAt < this.#everyMs) return;
    const signing = this.checkpoint().catch(() => {
      // A failed periodic checkpoint (a full disk) is retried by the next one; close reports its own.
    });
    this.#pending.add(signing);
    void signing.finally(() => this.#pending.delete(signing));
  }

  /**
   * Signs the current heads unless the last checkpoint already covers them, durably, then writes
   * the head file. Resolves with the checkpoint's n (undefined when nothing changed).
   */
  async checkpoint(final = false): Promise<number | undefined> {
    this.#commits = 0;
    this.#lastAt = this.#clock.now();
    const at = this.#lastAt;
    const signed = await this.#root.childTransaction(() => this.#sign(at, final));
    if (signed === undefined) return undefined;
    await this.#root.flushed;
    if (this.#headFile !== undefined) writeHeadFile(this.#headFile, signed);
    return signed.n;
  }

  /** Waits for checkpoints in flight, then signs the final one. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.checkpoint(true);
  }

  #last(): StoredCheckpoint | undefined {
    for (const { value } of this.dbs.checkpoints.getRange({ reverse: true, limit: 1 })) return value as StoredCheckpoint;
    return undefined;
  }

  /** Inside a write transaction: the heads, their root, and the signed checkpoint put after the last. */
  #sign(at: number, final: boolean): StoredCheckpoint | undefined {
    const leaves: AuditLeaf[] = [];
    for (const { key, value } of this.dbs.heads.getRange()) {
      const [lastSeq, head] = value as [number, Uint8Array];
      leaves.push({ journal: key, lastSeq, head });
    }
    const root = merkleRoot(leaves);
    const last = this.#last();
    if (last !== undefined && sameBytes(last.root, root) && last.final === final) return undefined;
    const n = (last?.n ?? 0) + 1;
    const prev = last === undefined ? ZERO_HASH : checkpointDigest(last);
    const header = { n, at, prev, root, final };
    const signature = signMessage(this.#key, checkpointMessage(header));
    const sorted = [...leaves].sort((a, b) => (a.journal < b.journal ? -1 : a.journal > b.journal ? 1 : 0));
    const checkpoint: StoredCheckpoint = { ...header, signature, leaves: sorted.map((l) => [l.journal, l.lastSeq, l.head] as const) };
    this.dbs.checkpoints.putSync(n, checkpoint);
    return checkpoint;
  }
}
