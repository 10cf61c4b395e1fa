import { open, type Database, type RootDatabase } from 'lmdb';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';
import { checkDataDirectory } from './data-file-check.ts';

/** Named databases at most per environment: the journals plus a handful of internal ones. */
const MAX_DBS = 1000;
const FORMAT_KEY = 'format';
/**
 * 1: records as objects; 2: as msgpack arrays (see record-codec.ts); 3: records may carry event time and a watermark (an 8-slot form) and keyed state may be held
 * in pending deltas; a version that knows only 2 would misread both, so it must refuse the store.
 */
const FORMAT = 3;
const READABLE_FORMATS: readonly unknown[] = [1, 2, 3];

/** LMDB's return codes for a file that is not, or no longer, a readable environment. */
const CORRUPTION_CODES: ReadonlySet<unknown> = new Set([
  -30793, // MDB_INVALID
  -30794, // MDB_VERSION_MISMATCH
  -30796, // MDB_CORRUPTED
  -30797, // MDB_PAGE_NOTFOUND
]);

/**
 * Opens the LMDB environment in `path` (created if missing). With `mayLoseLastCommits` on
 * Windows, where lmdb-js's overlapping sync is off, it sets LMDB's `noMetaSync` (skip the meta
 * page flush: the last commits may roll back after an OS crash, integrity is kept). Elsewhere
 * the environment is the same in both modes: overlapping sync already flushes after the commit,
 * and combining it with `noMetaSync` would let LMDB reuse pages of the only durable snapshot.
 * Throws JournalCorruptError when `path` is not an LMDB environment, SluiceError (CONFIG) when it
 * cannot be opened for another reason.
 */
export function openEnvironment(path: string, mayLoseLastCommits: boolean): RootDatabase {
  checkDataDirectory(path);
  try {
    return open({
      path,
      noSubdir: false,
      maxDbs: MAX_DBS,
      ...(mayLoseLastCommits && process.platform === 'win32' ? { noMetaSync: true } : {}),
    });
  } catch (error) {
    const corrupt =
      error instanceof Error && CORRUPTION_CODES.has((error as { code?: unknown }).code);
    throw new SluiceError(
      corrupt ? ErrorCode.JournalCorrupt : ErrorCode.Config,
      `journal store: cannot open an LMDB environment in ${path}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/**
 * Records the on-disk format on first open and upgrades an older one to the current (older records
 * stay readable; new ones are written in the current format, so an older version must refuse the store);
 * throws SluiceError (CONFIG) on a format this version cannot read.
 */
export function checkFormat(path: string, store: Database<unknown, string>): void {
  const format = store.get(FORMAT_KEY);
  if (format === undefined || (format !== FORMAT && READABLE_FORMATS.includes(format))) {
    store.putSync(FORMAT_KEY, FORMAT);
  } else if (format !== FORMAT) {
    throw new SluiceError(
      ErrorCode.Config,
      `journal store ${path} has format ${JSON.stringify(format)}; this version reads formats ${READABLE_FORMATS.slice(0, -1).join(', ')} and ${String(READABLE_FORMATS.at(-1))}`,
    );
  }
}
