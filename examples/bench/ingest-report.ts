import type { IngestResult, IngestServer } from './ingest-scenario.ts';
import { spread, type Spread } from './stats.ts';
import { count } from './targets.ts';

/** The repetitions of one server, summarized. */
export interface IngestRow {
  readonly server: IngestServer;
  readonly connections: number;
  readonly requestsPerSec: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly maxMs: Spread;
  readonly cpuUsPerRequest: Spread;
  /** Highest peak over the repetitions. */
  readonly rssMb: number;
}

/** Groups runs by server, in first-seen order. */
export function aggregateIngest(results: readonly IngestResult[]): IngestRow[] {
  const groups = new Map<IngestServer, IngestResult[]>();
  for (const result of results) groups.set(result.spec.server, [...(groups.get(result.spec.server) ?? []), result]);
  return [...groups.entries()].map(([server, runs]) => {
    const of = (pick: (r: IngestResult) => number): Spread => spread(runs.map(pick));
    return {
      server,
      connections: runs[0]?.spec.connections ?? 0,
      requestsPerSec: of((r) => r.requestsPerSec),
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      maxMs: of((r) => r.maxMs),
      cpuUsPerRequest: of((r) => r.cpuUsPerRequest),
      rssMb: Math.max(...runs.map((r) => r.memory.rssMb)),
    };
  });
}

/** The request-API rows as a Markdown table, with each server's requests/s over the bare server's. */
export function ingestTable(rows: readonly IngestRow[]): string {
  const bare = rows.find((r) => r.server === 'bare-http');
  const lines = [
    '| server | clients (keep-alive) | requests/s | p50 ms | p99 ms | max ms | server CPU µs/req | peak RSS MB | / bare |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const ratio = bare === undefined ? '' : (row.requestsPerSec.median / bare.requestsPerSec.median).toFixed(2);
    lines.push(
      `| ${[
        row.server === 'sluice-lmdb' ? 'httpSource, 202 once durable (LMDB, fsync)' : 'bare node:http, 202, nothing stored',
        String(row.connections),
        `${count(row.requestsPerSec.median)} ±${(row.requestsPerSec.relative * 100).toFixed(0)}%`,
        row.p50Ms.median.toFixed(1),
        row.p99Ms.median.toFixed(1),
        row.maxMs.median.toFixed(1),
        row.cpuUsPerRequest.median.toFixed(0),
        row.rssMb.toFixed(0),
        ratio,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
