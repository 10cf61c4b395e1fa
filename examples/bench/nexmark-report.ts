import type { NexmarkRun } from './nexmark-suite.ts';
import { count } from './targets.ts';

/**
 * Flink's published NEXMark figures per core (nexmark/nexmark GUIDE_V1: 8 cores, RocksDB,
 * exactly-once checkpoints every 3 minutes), events/s. q11 has none.
 */
export const FLINK_PER_CORE: Readonly<Record<string, number>> = {
  q0: 155_000,
  q1: 158_000,
  q2: 175_000,
  q3: 152_000,
  q4: 34_000,
  q5: 22_000,
  q7: 12_000,
  q8: 146_000,
};

/** The queries of the suite, in the order they are run and shown. */
export const NEXMARK_QUERIES = ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q11'] as const;

/** Cores of this machine counted against Flink's per-core figure (the "counting both cores"). */
export const CORES = 2;

/** One query's line of the table: medians over the repetitions, or "not yet". */
export interface NexmarkRow {
  readonly query: string;
  readonly title?: string;
  readonly events?: number;
  readonly rows?: number;
  readonly sluiceEventsPerSec?: number;
  /** Median CPU µs per event of the Sluice run (user + system, all threads). */
  readonly sluiceCpuUsPerEvent?: number;
  readonly plainEventsPerSec?: number;
  readonly runs: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** The runs of each query of the suite, summarized; a query never measured is a row without figures. */
export function aggregateNexmark(runs: readonly NexmarkRun[]): NexmarkRow[] {
  return NEXMARK_QUERIES.map((query) => {
    const measured = runs.flatMap((r) => (r.registered && r.query === query ? [r] : []));
    const first = measured[0];
    if (first === undefined) return { query, runs: 0 };
    return {
      query,
      title: first.title,
      events: first.events,
      rows: first.rows,
      sluiceEventsPerSec: median(measured.map((r) => r.sluiceEventsPerSec)),
      sluiceCpuUsPerEvent: median(measured.map((r) => r.sluiceCpuUsPerEvent)),
      plainEventsPerSec: median(measured.map((r) => r.plainEventsPerSec)),
      runs: measured.length,
    };
  });
}

/**
 * The NEXMark table in Markdown, as the README shows it: per query, Sluice on LMDB, plain
 * JavaScript over an in-memory array, Flink's per-core figure and the ratio to it counting
 * both cores (ours ÷ (2 × per core)). The CPU column (µs per event, all threads) and the events
 * per CPU-second it implies are what a loaded machine distorts least: compare the latter with
 * Flink's per-core figure.
 */
export function nexmarkTable(rows: readonly NexmarkRow[]): string {
  const lines = [
    '| query | what | events | rows | Sluice on LMDB (events/s) | CPU µs/event | events per CPU-second | plain JS in memory (events/s) | Sluice / plain | Flink per core (events/s) | Sluice / Flink (2 cores) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const flink = FLINK_PER_CORE[row.query];
    const flinkCell = flink === undefined ? '—' : `${String(flink / 1000)}K`;
    if (row.sluiceEventsPerSec === undefined || row.plainEventsPerSec === undefined) {
      lines.push(`| ${row.query} | not yet | | | | | | | | ${flinkCell} | |`);
      continue;
    }
    const ours = row.sluiceEventsPerSec;
    const cpu = row.sluiceCpuUsPerEvent;
    lines.push(
      `| ${[
        row.query,
        row.title ?? '',
        count(row.events ?? 0),
        count(row.rows ?? 0),
        count(ours),
        cpu === undefined ? '' : cpu.toFixed(1),
        cpu === undefined || cpu <= 0 ? '' : count(1e6 / cpu),
        count(row.plainEventsPerSec),
        row.plainEventsPerSec > 0 ? (ours / row.plainEventsPerSec).toFixed(3) : '',
        flinkCell,
        flink === undefined ? '—' : (ours / (CORES * flink)).toFixed(3),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
