import type { Clock } from '@sluice/core';
import type { AuditPrivateKey } from '../audit/audit-keys.ts';

// Apart from the store's code, so that the public types name nothing of lmdb's: a TypeScript
// app that imports @sluice/adapters must not need to load lmdb's own declarations.
/** The `audit` option of the LMDB store: hash-chain every record and sign the chain heads. */
export interface LmdbAuditOptions {
  /** The Ed25519 private key that signs checkpoints (a KeyObject or PEM; see `sluice keygen`). */
  readonly key: AuditPrivateKey;
  /** Sign a checkpoint after this many commits (default 1000). */
  readonly everyCommits?: number;
  /** …or when this much time has passed on `clock` since the last one, at the next commit (default 10000). */
  readonly everyMs?: number;
  /** The clock of `everyMs` and of checkpoint times (default the system clock). */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * Where the copy of the latest signed checkpoint goes (default `<data-dir>.audit-head.json`,
   * beside the data directory); `false` writes none, and rollback of the data file is then
   * not detectable.
   */
  readonly headFile?: string | false;
}
