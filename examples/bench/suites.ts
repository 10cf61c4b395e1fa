import type { AuditResult } from './audit-scenario.ts';
import { aggregateAudit, auditPlan, auditTable, runAuditSuite, type AuditPlan, type AuditRow } from './audit-suite.ts';
import { effectsNote, effectsTable } from './effects-report.ts';
import type { EffectsResult } from './effects-scenario.ts';
import { EFFECT_BATCHES, aggregateEffects, runEffectsSuite, type EffectsPlan, type EffectsRow } from './effects-suite.ts';
import { aggregateIngest, ingestTable, type IngestRow } from './ingest-report.ts';
import type { IngestResult } from './ingest-scenario.ts';
import { ingestPlan, runIngestSuite, type IngestPlan } from './ingest-suite.ts';
import type { KeyedResult } from './keyed-scenario.ts';
import { aggregateKeyed, keyedPlan, keyedTable, runKeyedSuite, type KeyedPlan, type KeyedRow } from './keyed-suite.ts';
import { aggregateNexmark, nexmarkTable, type NexmarkRow } from './nexmark-report.ts';
import { nexmarkPlan, runNexmarkSuite, type NexmarkPlan, type NexmarkRun } from './nexmark-suite.ts';

/** The parts of `pnpm bench`: the stage-loop flows against raw LMDB and RxJS, durable effects, the request API. */
export const SUITES = ['flows', 'effects', 'requests', 'keyed', 'nexmark', 'audit'] as const;

/** One part of {@link SUITES}. */
export type Suite = (typeof SUITES)[number];

/** What the effects and request-API parts measured, for the JSON report. */
export interface IssueTenReport {
  readonly effects?: { readonly plan: EffectsPlan; readonly rows: readonly EffectsRow[]; readonly runs: readonly EffectsResult[] };
  readonly requests?: { readonly plan: IngestPlan; readonly rows: readonly IngestRow[]; readonly runs: readonly IngestResult[] };
  readonly keyed?: { readonly plan: KeyedPlan; readonly rows: readonly KeyedRow[]; readonly runs: readonly KeyedResult[] };
  readonly nexmark?: { readonly plan: NexmarkPlan; readonly rows: readonly NexmarkRow[]; readonly runs: readonly NexmarkRun[] };
  readonly audit?: { readonly plan: AuditPlan; readonly rows: readonly AuditRow[]; readonly runs: readonly AuditResult[] };
}

/** How the effects and request-API parts run. */
export interface SuiteOptions {
  readonly suites: readonly Suite[];
  readonly quick: boolean;
  readonly dir: string;
  /** Repetitions asked on the command line (else each part's default). */
  readonly reps: number | undefined;
  /** Node options of every child (e.g. `--cpu-prof`). */
  readonly extraArgs: readonly string[];
  /** Events per NEXMark query (else the plan's default). */
  readonly nexmarkEvents?: number;
}

/** Runs the effects and request-API parts the options ask for, printing progress and then their tables. */
export async function runIssueTenSuites(options: SuiteOptions): Promise<IssueTenReport> {
  const log = (line: string): void => console.log(line);
  const report: { -readonly [K in keyof IssueTenReport]: IssueTenReport[K] } = {};
  if (options.suites.includes('effects')) {
    const plan: EffectsPlan = { mode: options.quick ? 'quick' : 'full', batches: EFFECT_BATCHES, reps: options.reps ?? (options.quick ? 1 : 3), dir: options.dir };
    console.log(`\ndurable effects: source → transform (3 calls per event) → sink, on LMDB (fsync per commit)`);
    const runs = await runEffectsSuite(plan, options.extraArgs, log);
    const rows = aggregateEffects(runs);
    console.log(`\n${effectsTable(rows)}\n\n${effectsNote()}`);
    report.effects = { plan, rows, runs };
  }
  if (options.suites.includes('requests')) {
    const base = ingestPlan(options.quick, options.dir);
    const plan: IngestPlan = options.reps === undefined ? base : { ...base, reps: options.reps };
    console.log(`\nrequest API: POST of one record to durable acknowledgement, ${String(plan.connections)} keep-alive clients (autocannon), ${String(plan.seconds)} s each`);
    const runs = await runIngestSuite(plan, options.extraArgs, log);
    const rows = aggregateIngest(runs);
    console.log(`\n${ingestTable(rows)}`);
    report.requests = { plan, rows, runs };
  }
  if (options.suites.includes('keyed')) {
    const plan = keyedPlan(options.quick, options.dir, options.reps);
    console.log(`\nkeyed state: source → keyed count per key → sink, ${String(plan.records)} records, on LMDB (fsync per commit)`);
    const runs = await runKeyedSuite(plan, options.extraArgs, log);
    const rows = aggregateKeyed(runs);
    console.log(`\n${keyedTable(rows)}`);
    report.keyed = { plan, rows, runs };
  }
  if (options.suites.includes('nexmark')) {
    const base = nexmarkPlan(options.quick, options.dir, options.reps);
    const plan: NexmarkPlan = options.nexmarkEvents === undefined ? base : { ...base, events: options.nexmarkEvents };
    console.log(`\nNEXMark: ${plan.events.toLocaleString('en-US')} events per query, the Sluice flow on LMDB (fsync per commit) and plain JS over an in-memory array, in one process per query`);
    const runs = await runNexmarkSuite(plan, options.extraArgs, log);
    const rows = aggregateNexmark(runs);
    console.log(`\n${nexmarkTable(rows)}\n\nSluice / Flink counts both cores of this machine: ours ÷ (2 × Flink's per-core figure).`);
    report.nexmark = { plan, rows, runs };
  }
  if (options.suites.includes('audit')) {
    const plan = auditPlan(options.quick, options.dir, options.reps);
    console.log(`\naudit trail: the ${String(plan.stages)}-stage flow, ${String(plan.records)} records on LMDB (fsync per commit), without and with audit (SHA-256 chain per record, Ed25519 checkpoints)`);
    const runs = await runAuditSuite(plan, options.extraArgs, log);
    const rows = aggregateAudit(runs);
    console.log(`\n${auditTable(rows)}`);
    report.audit = { plan, rows, runs };
  }
  return report;
}
