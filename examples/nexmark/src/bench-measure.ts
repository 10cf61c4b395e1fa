import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureEventsFile, readEventsFile } from './events-file.ts';
import { DEFAULT_CONFIG } from './generator/config.ts';
import type { NexmarkEvent } from './model.ts';
import { findQuery } from './queries/index.ts';
import { runQuery } from './run-query.ts';

/** What to measure: one query over `events` generated events, in `dir` (the events file is reused across queries). */
export interface NexmarkBenchSpec {
  readonly query: string;
  readonly events: number;
  readonly dir: string;
  readonly rate?: number;
  readonly seed?: number;
}

/** What was measured, or that the query is not registered yet. */
export type NexmarkBenchResult =
  | { readonly query: string; readonly registered: false }
  | {
      readonly query: string;
      readonly registered: true;
      readonly title: string;
      readonly events: number;
      readonly rows: number;
      /** The Sluice flow on LMDB, fsync'd commits: events / the run's elapsed time. */
      readonly sluiceEventsPerSec: number;
      /** CPU time (user + system, all threads) of this process per event during the flow's run, µs. */
      readonly sluiceCpuUsPerEvent: number;
      /** The query in plain JavaScript over the events already in memory (median of its repetitions). */
      readonly plainEventsPerSec: number;
      readonly plainReps: number;
    };

/** Plain runs repeat until this much time has gone by (at least one, at most {@link MAX_PLAIN_REPS}). */
const PLAIN_BUDGET_MS = 2000;
const MAX_PLAIN_REPS = 7;

/**
 * Measures one query in this process: the Sluice flow over the events file on LMDB, then the
 * query's plain computation over the same events parsed into an array (parsing not timed).
 * Throws when the two disagree on the number of rows.
 */
export async function measureQuery(spec: NexmarkBenchSpec): Promise<NexmarkBenchResult> {
  const query = findQuery(spec.query);
  if (query === undefined) return { query: spec.query, registered: false };
  const config = { ...DEFAULT_CONFIG, ...(spec.rate === undefined ? {} : { rate: spec.rate }), ...(spec.seed === undefined ? {} : { seed: spec.seed }) };
  const file = await ensureEventsFile(spec.dir, spec.events, config);
  const cpu = process.cpuUsage();
  const sluice = await runQuery(query, { events: file.path, outDir: join(spec.dir, 'out') });
  const used = process.cpuUsage(cpu);
  const events = await readEventsFile<NexmarkEvent>(file.path);
  const times: number[] = [];
  let rows = 0;
  const started = performance.now();
  while (times.length === 0 || (times.length < MAX_PLAIN_REPS && performance.now() - started < PLAIN_BUDGET_MS)) {
    const t = performance.now();
    rows = query.reference(events).length;
    times.push(performance.now() - t);
  }
  if (rows !== sluice.rows) throw new Error(`${query.name}: the flow wrote ${String(sluice.rows)} rows, the plain computation ${String(rows)}`);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  return {
    query: query.name,
    registered: true,
    title: query.title,
    events: sluice.events,
    rows,
    sluiceEventsPerSec: sluice.eventsPerSec,
    sluiceCpuUsPerEvent: sluice.events > 0 ? (used.user + used.system) / sluice.events : 0,
    plainEventsPerSec: median > 0 ? (events.length * 1000) / median : 0,
    plainReps: times.length,
  };
}
