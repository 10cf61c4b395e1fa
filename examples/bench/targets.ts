import { peer, type Row } from './aggregate.ts';

/** One target of the issue, checked against a run. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const STAGES = 3;
const MB_LIMIT = 250;

/**
 * The targets for the 3-stage flow on LMDB: sluice/raw ≥ 0.7 in records/s, p99 under
 * 25 ms at the offered rate, cost per record at the largest size within 10 % of the smallest,
 * peak RSS under 250 MB at the largest size. Targets the plan did not measure are left out.
 */
export function checkTargets(rows: readonly Row[]): TargetCheck[] {
  const sluice = rows.filter((r) => r.impl === 'sluice-lmdb' && r.stages === STAGES);
  const full = sluice.filter((r) => r.rate === undefined).sort((a, b) => a.records - b.records);
  const checks: TargetCheck[] = [];
  for (const row of full) {
    const raw = peer(rows, row, 'raw');
    if (raw === undefined) continue;
    const ratio = row.recordsPerSec.median / raw.recordsPerSec.median;
    checks.push({ target: `sluice/raw ≥ 0.70 in records/s (${count(row.records)} records)`, measured: ratio.toFixed(2), met: ratio >= 0.7 });
  }
  for (const row of sluice.filter((r) => r.rate !== undefined)) {
    const p99 = row.p99Ms.median;
    checks.push({ target: `p99 < 25 ms at ${count(row.rate ?? 0)} records/s offered`, measured: `${p99.toFixed(1)} ms`, met: p99 < 25 });
  }
  const small = full[0];
  const large = full[full.length - 1];
  if (small !== undefined && large !== undefined && large !== small) {
    const growth = small.recordsPerSec.median / large.recordsPerSec.median - 1;
    checks.push({
      target: `cost per record at ${count(large.records)} within 10 % of ${count(small.records)}`,
      measured: `${signed(growth * 100)} % (${perRecord(large)} vs ${perRecord(small)} µs)`,
      met: growth <= 0.1,
    });
  }
  if (large !== undefined) {
    checks.push({
      target: `peak RSS < ${String(MB_LIMIT)} MB at ${count(large.records)} records`,
      measured: `${large.rssMb.toFixed(0)} MB (anonymous ${large.anonMb.toFixed(0)} MB, mapped LMDB file ${large.fileMb.toFixed(0)} MB)`,
      met: large.rssMb < MB_LIMIT,
    });
  }
  return checks;
}

function perRecord(row: Row): string {
  return (1e6 / row.recordsPerSec.median).toFixed(2);
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

/** 1000000 → "1,000,000". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
