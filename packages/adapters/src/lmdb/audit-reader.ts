import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';
import type { AuditSource, SignedCheckpoint } from '../audit/audit-source.ts';
import { AUDIT_DB_NAMES, type ChainKey } from './audit-chain.ts';

/** Journal databases are `j:<journal>` (see lmdb-journal-store.ts). */
const JOURNAL_PREFIX = 'j:';

/** An {@link AuditSource} over a data directory, open until `close`. */
export interface LmdbAuditSource extends AuditSource {
  /** Whether the directory holds any audit data (chain entries or checkpoints). */
  readonly audited: boolean;
  close(): Promise<void>;
}

/**
 * Opens a data directory read-only for verification: journal records as their raw stored
 * bytes (no decoding, so what is hashed is exactly what is on disk), the chain and the
 * checkpoints. Works beside a running flow (it takes no lock). Throws SluiceError (CONFIG)
 * when the directory holds no LMDB environment.
 */
export function openAuditSource(dataDir: string): LmdbAuditSource {
  if (!existsSync(join(dataDir, 'data.mdb'))) {
    throw new SluiceError(ErrorCode.Config, `audit: ${dataDir} is not a data directory (no data.mdb)`);
  }
  let root: RootDatabase;
  try {
    root = open({ path: dataDir, readOnly: true, maxDbs: 1000 });
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `audit: cannot open ${dataDir}: ${errorMessage(error)}`, { cause: error });
  }
  const names = [...root.getKeys()].filter((k): k is string => typeof k === 'string');
  const openNamed = <V, K extends ChainKey | number | string>(name: string, binary: boolean): Database<V, K> | undefined =>
    names.includes(name) ? root.openDB<V, K>(name, { ...(binary ? { encoding: 'binary' as const } : {}), create: false } as never) : undefined;
  const chain = openNamed<Buffer, ChainKey>(AUDIT_DB_NAMES.chain, true);
  const heads = openNamed<unknown, string>(AUDIT_DB_NAMES.heads, false);
  const checkpointDb = openNamed<unknown, number>(AUDIT_DB_NAMES.checkpoints, false);
  const journalDbs = new Map<string, Database<Buffer, number>>();
  for (const name of names) {
    if (!name.startsWith(JOURNAL_PREFIX)) continue;
    const db = openNamed<Buffer, number>(name, true);
    if (db !== undefined) journalDbs.set(name.slice(JOURNAL_PREFIX.length), db);
  }
  const journals = new Set(journalDbs.keys());
  for (const key of heads?.getKeys() ?? []) journals.add(key);
  const checkpoints: (readonly [number, SignedCheckpoint])[] = [];
  for (const { key, value } of checkpointDb?.getRange() ?? []) checkpoints.push([key, value as SignedCheckpoint]);
  let audited = checkpoints.length > 0;
  for (const _ of chain?.getKeys({ limit: 1 }) ?? []) audited = true;
  return {
    audited,
    journals: () => [...journals].sort(),
    *records(journal) {
      for (const { key, value } of journalDbs.get(journal)?.getRange() ?? []) yield [key, value] as const;
    },
    record: (journal, seq) => journalDbs.get(journal)?.getBinary(seq),
    chainAt: (journal, seq) => chain?.getBinary([journal, seq]),
    *chainSeqs(journal) {
      for (const [, seq] of chain?.getKeys({ start: [journal, 0], end: [journal, Number.MAX_SAFE_INTEGER] }) ?? []) yield seq;
    },
    checkpoints: () => checkpoints,
    close: () => root.close(),
  };
}
