/**
 * Runs one scenario in this (child) process and sends its RunResult to the parent, so that
 * peak RSS and CPU time belong to that scenario alone. Argument: the ScenarioSpec as JSON.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runMemory } from './memory.ts';
import { Meter } from './meter.ts';
import { Pacer } from './pacer.ts';
import { runRaw } from './raw.ts';
import { RssSampler } from './rss.ts';
import type { RunResult, ScenarioContext, ScenarioSpec } from './scenario.ts';
import { runSluice } from './sluice.ts';

async function runScenario(spec: ScenarioSpec): Promise<RunResult> {
  const path = await mkdtemp(join(spec.dir, `sluice-bench-${spec.impl}-`));
  const ctx: ScenarioContext = {
    spec,
    path,
    pacer: new Pacer(spec.records, spec.rate),
    meter: new Meter(spec.records, Math.max(0, spec.stages - 2)),
  };
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  let recordsPerBatch: number | undefined;
  try {
    recordsPerBatch = await implementation(ctx);
  } finally {
    await rm(path, { recursive: true, force: true });
  }
  const used = process.cpuUsage(cpu);
  const memory = sampler.stop();
  ctx.meter.check();
  const elapsedMs = ctx.meter.lastAt - (ctx.pacer.startedAt ?? ctx.meter.lastAt);
  const { latency } = ctx.meter;
  return {
    spec,
    elapsedMs,
    recordsPerSec: elapsedMs > 0 ? (spec.records * 1000) / elapsedMs : 0,
    p50Ms: latency.quantile(0.5),
    p99Ms: latency.quantile(0.99),
    maxMs: latency.maxMs,
    cpuUsPerRecord: (used.user + used.system) / spec.records,
    memory,
    ...(recordsPerBatch === undefined ? {} : { recordsPerBatch }),
  };
}

/** Runs the scenario's implementation; Sluice's resolve with the sink's records per batch. */
async function implementation(ctx: ScenarioContext): Promise<number | undefined> {
  switch (ctx.spec.impl) {
    case 'raw':
      await runRaw(ctx);
      return undefined;
    case 'memory':
      await runMemory(ctx);
      return undefined;
    case 'sluice-lmdb':
      return runSluice(ctx, 'lmdb');
    case 'sluice-memory':
      return runSluice(ctx, 'memory');
  }
}

const spec = JSON.parse(process.argv[2] ?? '') as ScenarioSpec;
runScenario(spec).then(
  (result) => {
    if (process.send === undefined) console.log(JSON.stringify(result));
    else process.send(result);
  },
  (error: unknown) => {
    console.error(`scenario ${spec.impl} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
