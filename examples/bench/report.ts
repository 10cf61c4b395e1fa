import { cpus, totalmem } from 'node:os';
import { peer, type Row } from './aggregate.ts';
import { IMPLS } from './scenario.ts';
import { count, type TargetCheck } from './targets.ts';

/** Where the bench ran. */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
}

/** This machine. */
export function machine(): Machine {
  const all = cpus();
  return {
    cpus: all.length,
    cpuModel: all[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** The results as a Markdown table, one line per scenario, comparison groups together. */
export function table(rows: readonly Row[]): string {
  const sorted = [...rows].sort(
    (a, b) =>
      a.stages - b.stages ||
      (a.rate ?? 0) - (b.rate ?? 0) ||
      a.records - b.records ||
      IMPLS.indexOf(a.impl) - IMPLS.indexOf(b.impl),
  );
  const header = [
    '| stages | load | impl | records/s | p50 ms | p99 ms | max ms | CPU µs/rec | rec/batch | peak RSS MB (anon) | sluice/raw | sluice/memory |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  return [...header, ...sorted.map((row) => line(rows, row))].join('\n');
}

function line(rows: readonly Row[], row: Row): string {
  const load = row.rate === undefined ? `${count(row.records)}, full speed` : `${count(row.rate)}/s offered`;
  const isSluice = row.impl.startsWith('sluice');
  const ratio = (impl: 'raw' | 'memory'): string => {
    const base = peer(rows, row, impl);
    if (!isSluice || row.rate !== undefined || base === undefined) return '';
    return (row.recordsPerSec.median / base.recordsPerSec.median).toFixed(2);
  };
  return `| ${[
    String(row.stages),
    load,
    row.impl,
    `${count(row.recordsPerSec.median)} ±${(row.recordsPerSec.relative * 100).toFixed(0)}%`,
    ms(row.p50Ms.median),
    ms(row.p99Ms.median),
    ms(row.maxMs.median),
    row.cpuUsPerRecord.median.toFixed(1),
    row.recordsPerBatch === undefined ? '' : row.recordsPerBatch.toFixed(0),
    `${row.rssMb.toFixed(0)} (${row.anonMb.toFixed(0)})`,
    ratio('raw'),
    ratio('memory'),
  ].join(' | ')} |`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** The targets as a Markdown table. */
export function targetTable(checks: readonly TargetCheck[]): string {
  return [
    '| target (3 stages, Sluice on LMDB) | measured | met |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : 'no'} |`),
  ].join('\n');
}

/** One line naming the machine. */
export function machineLine(m: Machine): string {
  return `${String(m.cpus)} cores (${m.cpuModel}), ${String(m.memoryGb)} GB RAM, Node ${m.node}, ${m.platform}`;
}
