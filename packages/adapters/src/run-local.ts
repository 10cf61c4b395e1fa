import { join } from 'node:path';
import type { Flow, JournalStore, Logger } from '@sluice/core';
import { run as runWith, type PipelineHandle, type RunOptions } from '@sluice/runtime';
import { LmdbJournalStore, type LmdbDurability } from './lmdb/lmdb-journal-store.ts';
import { createPinoLogger } from './pino-logger.ts';

/** Options of {@link run}: every runtime option, with the store and logger defaulted. */
export interface LocalRunOptions extends Omit<RunOptions, 'store' | 'logger'> {
  /** The flow's data directory (default `.sluice/<flow name>` under the working directory). */
  readonly dataDir?: string;
  /** LMDB commit durability (default `'fsync'`). */
  readonly durability?: LmdbDurability;
  /** A store to use instead of LMDB; the caller keeps it open and closes it. */
  readonly store?: JournalStore;
  /** A logger to use instead of pino on stdout. */
  readonly logger?: Logger;
  /** pino level when no logger is given (default `info`). */
  readonly logLevel?: string;
}

/**
 * Runs a flow on the embedded defaults: an LMDB store in the flow's data directory, pino
 * logs on stdout. A store it opened is closed when the run ends. Awaiting the handle
 * waits for the end of the run.
 */
export function run(flow: Flow, options: LocalRunOptions = {}): PipelineHandle {
  const { dataDir, durability, store, logger, logLevel, afterEnd, ...rest } = options;
  const owned =
    store === undefined
      ? LmdbJournalStore.open({
          path: dataDir ?? join(process.cwd(), '.sluice', flow.name),
          ...(durability === undefined ? {} : { durability }),
        })
      : undefined;
  return runWith(flow, {
    ...rest,
    store: store ?? (owned as JournalStore),
    logger: logger ?? createPinoLogger({ level: logLevel ?? 'info' }),
    afterEnd: async () => {
      await owned?.close();
      await afterEnd?.();
    },
  });
}
