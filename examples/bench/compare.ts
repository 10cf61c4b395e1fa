import { readFile } from 'node:fs/promises';
import type { Row } from './aggregate.ts';
import { count } from './targets.ts';

/** The part of a `--json` report that a comparison reads. */
interface SavedReport {
  readonly startedAt: string;
  readonly rows: readonly Row[];
}

/**
 * A Markdown table of this run against a saved `--json` report: records/s and p99 per
 * scenario both ran (paced runs match on their rate, whatever their length), with the change
 * in per cent (positive = this run is better).
 */
export async function comparison(file: string, rows: readonly Row[]): Promise<string> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as SavedReport;
  const lines = [
    `Against ${file} (${saved.startedAt}):`,
    '',
    '| stages | load | impl | records/s then → now | change | p99 ms then → now | change |',
    '|---:|---|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const old = saved.rows.find(
      (r) =>
        r.impl === row.impl &&
        r.stages === row.stages &&
        r.rate === row.rate &&
        (row.rate !== undefined || r.records === row.records),
    );
    if (old === undefined) continue;
    const load = row.rate === undefined ? `${count(row.records)}, full speed` : `${count(row.rate)}/s offered`;
    const rps = `${count(old.recordsPerSec.median)} → ${count(row.recordsPerSec.median)}`;
    const p99 = `${old.p99Ms.median.toFixed(1)} → ${row.p99Ms.median.toFixed(1)}`;
    lines.push(
      `| ${String(row.stages)} | ${load} | ${row.impl} | ${rps} | ${change(row.recordsPerSec.median, old.recordsPerSec.median)} | ${p99} | ${change(old.p99Ms.median, row.p99Ms.median)} |`,
    );
  }
  return lines.join('\n');
}

/** `better / worse − 1` in per cent, signed. */
function change(better: number, worse: number): string {
  if (worse === 0) return '';
  const pct = (better / worse - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(0)} %`;
}
