/**
 * `pnpm bench`: Sluice against a hand-written durable pipeline on lmdb-js (raw) and an
 * in-memory RxJS pipeline (memory), side by side in one run; then durable effects against
 * direct calls, the request API against a bare node:http server, and keyed state from 100 to
 * 1,000,000 distinct keys. Each scenario runs in
 * its own child process, so its peak RSS and CPU time are its own.
 *
 *   pnpm bench --quick               3 stages, 100,000 records, under a minute
 *   pnpm bench --nexmark             NEXMark queries: Sluice on LMDB, plain JS, Flink's figures
 *   pnpm bench --json out.json       the full run (minutes), also written as JSON
 *   pnpm bench --quick --compare results/full-run.json   against a saved run
 *   pnpm bench --impl sluice-lmdb --stages 3 --records 1000000 --cpu-prof prof
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { aggregate } from './aggregate.ts';
import { comparison } from './compare.ts';
import { describe, runInChild } from './fork.ts';
import { defaultPlan, schedule, type Plan } from './plan.ts';
import { machine, machineLine, table, targetTable } from './report.ts';
import { IMPLS, type Impl, type RunResult } from './scenario.ts';
import { SUITES, runIssueTenSuites, type Suite } from './suites.ts';
import { checkTargets } from './targets.ts';

const HELP = `usage: pnpm bench [--quick] [--json FILE] [options]

  --quick              short sizes of every part (flows: 3 stages, 100,000 records, a 2 s
                       paced run, 3 repetitions; effects and requests: 1 repetition)
  --suite LIST         of ${SUITES.join(', ')} (default all): flows = the stage loop
                       against raw LMDB and RxJS; effects = 3 durable effects per event at
                       1, 10, 100, 1,000 records per batch, in-process and over local HTTP,
                       beside direct calls; requests = httpSource under 64 autocannon
                       clients beside a bare node:http server; keyed = a count per key at
                       100, 10k, 100k and 1M distinct keys; audit = the 3-stage flow
                       without and with the signed audit trail (and its verification)
  --nexmark            the NEXMark part alone (like --suite nexmark): per query, the Sluice
                       flow on LMDB and plain JS over an in-memory array, against Flink
  --nexmark-events N   events per NEXMark query (default 1000000, --quick 100000)
  --json FILE          also write plan, machine, every run and the summary as JSON
  --reps N             repetitions (median and spread are reported)
  --impl LIST          (flows; like the options below up to --compare, which without
                       --suite run the flows part alone) of ${IMPLS.join(', ')}
  --stages LIST        flow sizes, source and sink included (default 2,3,5)
  --records LIST       full-speed record counts (default 100000,1000000)
  --rate N             offered records/s of the paced runs (default 10000)
  --rate-seconds N     length of each paced run (default 3)
  --batch N            records per batch (default 1000, Sluice's default)
  --dir DIR            parent of the temporary LMDB directories (default the OS temp dir)
  --compare FILE       also compare this run with a report saved by --json
  --cpu-prof DIR       write a V8 CPU profile of every scenario to DIR
  --help               this text`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: {
      quick: { type: 'boolean', default: false },
      suite: { type: 'string' },
      nexmark: { type: 'boolean', default: false },
      'nexmark-events': { type: 'string' },
      json: { type: 'string' },
      reps: { type: 'string' },
      impl: { type: 'string' },
      stages: { type: 'string' },
      records: { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      batch: { type: 'string' },
      dir: { type: 'string' },
      'cpu-prof': { type: 'string' },
      compare: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const dir = values.dir === undefined ? tmpdir() : path(values.dir);
  // Options of the flows part alone (--impl, --stages…) without --suite mean that part alone.
  const flowsOnly = [values.impl, values.stages, values.records, values.rate, values['rate-seconds'], values.batch, values.compare].some((v) => v !== undefined);
  const asked: readonly Suite[] = values.suite === undefined ? (flowsOnly ? ['flows'] : SUITES) : list(values.suite).map(suite);
  // --nexmark alone is that part alone; beside --suite it adds it.
  const suites: readonly Suite[] = !values.nexmark ? asked : values.suite === undefined && !flowsOnly ? ['nexmark'] : [...new Set([...asked, 'nexmark' as const])];
  const base = defaultPlan(values.quick, dir);
  const plan: Plan = {
    ...base,
    impls: values.impl === undefined ? base.impls : list(values.impl).map(impl),
    stages: values.stages === undefined ? base.stages : list(values.stages).map((s) => int(s, 2)),
    records: values.records === undefined ? base.records : list(values.records).map((s) => int(s, 1)),
    rate: values.rate === undefined ? base.rate : int(values.rate, 1),
    rateSeconds: values['rate-seconds'] === undefined ? base.rateSeconds : int(values['rate-seconds'], 1),
    reps: values.reps === undefined ? base.reps : int(values.reps, 1),
    batch: values.batch === undefined ? base.batch : int(values.batch, 1),
  };
  const profile = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path(values['cpu-prof'])}`];
  const host = machine();
  console.log(`sluice bench (${plan.mode}) on ${machineLine(host)}`);
  const started = Date.now();
  const runs = suites.includes('flows') ? schedule(plan) : [];
  const results: RunResult[] = [];
  for (const [i, spec] of runs.entries()) {
    const result = await runInChild(spec, profile);
    results.push(result);
    const rate = Math.round(result.recordsPerSec).toLocaleString('en-US');
    console.log(`  [${String(i + 1)}/${String(runs.length)}] ${describe(spec)}: ${rate} records/s, p99 ${result.p99Ms.toFixed(1)} ms`);
  }
  const rows = aggregate(results);
  const checks = checkTargets(rows);
  if (runs.length > 0) {
    console.log(`\n${table(rows)}\n\n${targetTable(checks)}\n`);
    console.log(`${String(runs.length)} runs; medians of ${String(plan.reps)} repetitions, ± is half the range.`);
    if (values.compare !== undefined) console.log(`\n${await comparison(path(values.compare), rows)}\n`);
  }
  const reps = values.reps === undefined ? undefined : plan.reps;
  const nexmarkEvents = values['nexmark-events'] === undefined ? {} : { nexmarkEvents: int(values['nexmark-events'], 1) };
  const more = await runIssueTenSuites({ suites, quick: values.quick, dir, reps, extraArgs: profile, ...nexmarkEvents });
  const durationMs = Date.now() - started;
  console.log(`\nbench done in ${(durationMs / 1000).toFixed(0)} s.`);
  if (values.json !== undefined) {
    const file = path(values.json);
    await mkdir(dirname(file), { recursive: true });
    const report = { machine: host, startedAt: new Date(started).toISOString(), durationMs, plan, rows, targets: checks, runs: results, ...more };
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}

/** A path given on the command line: relative to where `pnpm bench` was typed (INIT_CWD). */
function path(value: string): string {
  return resolve(process.env['INIT_CWD'] ?? process.cwd(), value);
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function int(value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`expected an integer ≥ ${String(min)}, got "${value}"`);
  return n;
}

function suite(value: string): Suite {
  const found = SUITES.find((s) => s === value);
  if (found === undefined) throw new Error(`unknown suite "${value}" (use ${SUITES.join(', ')})`);
  return found;
}

function impl(value: string): Impl {
  const found = IMPLS.find((i) => i === value);
  if (found === undefined) throw new Error(`unknown impl "${value}" (use ${IMPLS.join(', ')})`);
  return found;
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
