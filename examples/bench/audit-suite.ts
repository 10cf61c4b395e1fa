import { fileURLToPath } from 'node:url';
import type { AuditResult, AuditSpec } from './audit-scenario.ts';
import { forkChild } from './fork.ts';
import { spread, type Spread } from './stats.ts';
import { count } from './targets.ts';

const CHILD = fileURLToPath(new URL('./audit-child.ts', import.meta.url));

/** What the audit suite measures. */
export interface AuditPlan {
  readonly mode: 'quick' | 'full';
  readonly stages: number;
  readonly records: number;
  readonly reps: number;
  readonly dir: string;
}

/** The repetitions of one setting (audit off or on), summarized. */
export interface AuditRow {
  readonly audit: boolean;
  readonly records: number;
  readonly recordsPerSec: Spread;
  readonly cpuUsPerRecord: Spread;
  /** Audited rows: median records/s of verifying the data directory afterwards. */
  readonly verifyPerSec?: number;
}

/** The full run: 3 stages, 300,000 records, 3 repetitions; `--quick`: 100,000, once. */
export function auditPlan(quick: boolean, dir: string, reps: number | undefined): AuditPlan {
  return { mode: quick ? 'quick' : 'full', stages: 3, records: quick ? 100_000 : 300_000, reps: reps ?? (quick ? 1 : 3), dir };
}

/** Runs without and with audit back to back, repetition by repetition, each in its own child. */
export async function runAuditSuite(plan: AuditPlan, extraArgs: readonly string[], log: (line: string) => void): Promise<AuditResult[]> {
  const specs: AuditSpec[] = [];
  for (let rep = 0; rep < plan.reps; rep++) {
    for (const audit of [false, true]) specs.push({ audit, stages: plan.stages, records: plan.records, batch: 1000, dir: plan.dir });
  }
  const results: AuditResult[] = [];
  for (const [i, spec] of specs.entries()) {
    const name = `audit ${spec.audit ? 'on' : 'off'}, ${count(spec.records)} records`;
    const result = await forkChild<AuditResult>(CHILD, spec, extraArgs, name);
    results.push(result);
    const verified = result.verifyPerSec === undefined ? '' : `; verify ${count(result.verifyPerSec)} records/s`;
    log(`  [${String(i + 1)}/${String(specs.length)}] ${name}: ${count(result.recordsPerSec)} records/s${verified}`);
  }
  return results;
}

/** Groups runs by setting: audit off, then on. */
export function aggregateAudit(results: readonly AuditResult[]): AuditRow[] {
  return [false, true].flatMap((audit) => {
    const runs = results.filter((r) => r.spec.audit === audit);
    if (runs.length === 0) return [];
    const verify = runs.flatMap((r) => (r.verifyPerSec === undefined ? [] : [r.verifyPerSec]));
    return [{
      audit,
      records: runs[0]?.spec.records ?? 0,
      recordsPerSec: spread(runs.map((r) => r.recordsPerSec)),
      cpuUsPerRecord: spread(runs.map((r) => r.cpuUsPerRecord)),
      ...(verify.length === 0 ? {} : { verifyPerSec: spread(verify).median }),
    }];
  });
}

/** The rows as a Markdown table, the audited one against the run without. */
export function auditTable(rows: readonly AuditRow[]): string {
  const base = rows.find((r) => !r.audit)?.recordsPerSec.median;
  const lines = ['| audit | records | records/s | ± | CPU µs/record | vs off | verify records/s |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const row of rows) {
    const ratio = base === undefined || base === 0 || !row.audit ? '' : `${((row.recordsPerSec.median / base) * 100).toFixed(0)} %`;
    const cells = [
      row.audit ? 'on' : 'off',
      count(row.records),
      count(row.recordsPerSec.median),
      `${(row.recordsPerSec.relative * 100).toFixed(0)} %`,
      row.cpuUsPerRecord.median.toFixed(1),
      ratio,
      row.verifyPerSec === undefined ? '' : count(row.verifyPerSec),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
