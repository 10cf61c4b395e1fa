import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@sluice/adapters';
import { queryFlow } from './flow.ts';
import type { NexmarkQuery } from './queries/index.ts';

/** Where {@link runQuery} reads and writes. */
export interface RunQueryOptions {
  /** The events file. */
  readonly events: string;
  /** The directory of `qN.jsonl` and of the flow's data under `.sluice/qN`. */
  readonly outDir: string;
  /** Records per batch (default: Sluice's, 1000). */
  readonly batchSize?: number;
  /** Called about every second with the events read so far. */
  readonly progress?: (eventsRead: number) => void;
}

/** What one query run did. */
export interface QueryResult {
  readonly query: string;
  readonly events: number;
  readonly rows: number;
  readonly elapsedMs: number;
  readonly eventsPerSec: number;
  /** The result file. */
  readonly out: string;
}

/**
 * Runs one query as a Sluice flow on LMDB with the embedded defaults (fsync'd commits) in a
 * fresh data directory `outDir/.sluice/qN`, writing `outDir/qN.jsonl`. Throws when the run does
 * not complete, naming the stage and its error.
 */
export async function runQuery(query: NexmarkQuery, options: RunQueryOptions): Promise<QueryResult> {
  const out = join(options.outDir, `${query.name}.jsonl`);
  const dataDir = join(options.outDir, '.sluice', query.name);
  // Each run starts over: the rows of an earlier run are not resumed into.
  await Promise.all([rm(dataDir, { recursive: true, force: true }), rm(out, { force: true })]);
  const handle = run(queryFlow(query, { events: options.events, out }), {
    dataDir,
    logLevel: 'warn',
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  const { progress } = options;
  const timer =
    progress === undefined
      ? undefined
      : setInterval(() => {
          handle.status().then((s) => progress(s.stages.find((st) => st.name === 'events')?.out ?? 0), () => undefined);
        }, 1000);
  try {
    const summary = await handle.done;
    if (summary.state !== 'completed') {
      const why = summary.failure === undefined ? '' : `: stage ${summary.failure.stage}: ${summary.failure.error}`;
      throw new Error(`${query.name} ${summary.state}${why}`);
    }
    const events = summary.stages['events']?.out ?? 0;
    const rows = summary.stages['rows']?.in ?? 0;
    const seconds = summary.elapsedMs / 1000;
    return { query: query.name, events, rows, elapsedMs: summary.elapsedMs, eventsPerSec: seconds > 0 ? events / seconds : 0, out };
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}
