import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runEffectsFlow, type EffectsFlowStats } from './effects-flow.ts';
import { CALLS_PER_EVENT, type EffectsResult, type EffectsSpec } from './effects-scenario.ts';
import { Meter } from './meter.ts';
import { Pacer } from './pacer.ts';
import { httpTarget, inProcessTarget, type Target } from './receiver.ts';
import { RssSampler } from './rss.ts';

/**
 * Runs one effects scenario in a fresh LMDB directory (removed afterwards) and checks that
 * every event reached the sink once, through the transform; CPU time and peak RSS are the
 * whole process's, so run it in a process of its own (effects-child.ts).
 */
export async function runEffectsScenario(spec: EffectsSpec): Promise<EffectsResult> {
  const path = await mkdtemp(join(spec.dir, `sluice-bench-effects-`));
  const target = makeTarget(spec);
  const pacer = new Pacer(spec.records, undefined);
  const meter = new Meter(spec.records, 1);
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  let stats: EffectsFlowStats;
  try {
    stats = await runEffectsFlow({ spec, path, pacer, meter, target });
  } finally {
    target.close();
    await rm(path, { recursive: true, force: true });
  }
  const used = process.cpuUsage(cpu);
  const memory = sampler.stop();
  meter.check();
  const elapsedMs = meter.lastAt - (pacer.startedAt ?? meter.lastAt);
  const eventsPerSec = elapsedMs > 0 ? (spec.records * 1000) / elapsedMs : 0;
  return {
    spec,
    elapsedMs,
    eventsPerSec,
    effectsPerSec: eventsPerSec * CALLS_PER_EVENT,
    cpuUsPerEvent: (used.user + used.system) / spec.records,
    recordsPerBatch: stats.recordsPerBatch,
    writesPerBatch: stats.batches === 0 ? 0 : stats.writes.writes / stats.batches,
    msPerWrite: stats.writes.writes === 0 ? 0 : stats.writes.ms / stats.writes.writes,
    calls: target.calls,
    memory,
  };
}

function makeTarget(spec: EffectsSpec): Target {
  if (spec.receiver === 'in-process') return inProcessTarget();
  if (spec.url === undefined) throw new Error('the http receiver needs a url');
  return httpTarget(spec.url, Math.min(spec.concurrency, 64));
}

