import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { flow, sink, source, transform, type Flow, type SourceHandler, type StageRef } from '@sluice/core';
import { LmdbJournalStore, generateAuditKeyPair, openAuditSource, verifyAudit } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { Meter } from './meter.ts';
import { Pacer } from './pacer.ts';
import { step, type Payload } from './payload.ts';

/** One audit run: the standard flow at full speed, with or without the audit trail. */
export interface AuditSpec {
  readonly audit: boolean;
  /** Stages, source and sink included. */
  readonly stages: number;
  readonly records: number;
  readonly batch: number;
  readonly dir: string;
}

/** What one audit run measured. */
export interface AuditResult {
  readonly spec: AuditSpec;
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  readonly cpuUsPerRecord: number;
  /** Audited runs: journal records chained (every stage's, the activity log's too). */
  readonly chained?: number;
  /** Audited runs: records/s of verifying the whole data directory afterwards. */
  readonly verifyPerSec?: number;
}

/**
 * Runs the flows part's standard flow (source → `stages − 2` transforms → metered sink) on
 * LMDB (fsync per commit) in a fresh directory, with `audit: { key }` when asked, which hashes
 * every record in its commit and signs the heads every 1000 commits (the default) and at
 * close. An audited run is then verified, so the report also shows what verification costs.
 */
export async function runAuditScenario(spec: AuditSpec): Promise<AuditResult> {
  const path = await mkdtemp(join(spec.dir, `sluice-bench-audit-${spec.audit ? 'on' : 'off'}-`));
  const keys = generateAuditKeyPair();
  const pacer = new Pacer(spec.records, undefined);
  const meter = new Meter(spec.records, Math.max(0, spec.stages - 2));
  try {
    const store = LmdbJournalStore.open({ path, ...(spec.audit ? { audit: { key: keys.privateKey } } : {}) });
    const cpu = process.cpuUsage();
    try {
      const summary = await run(benchFlow(spec, pacer, meter), { store, batchSize: spec.batch });
      if (summary.state !== 'completed') throw new Error(`the flow ended ${summary.state}`);
    } finally {
      await store.close();
    }
    const used = process.cpuUsage(cpu);
    meter.check();
    const elapsedMs = meter.lastAt - (pacer.startedAt ?? meter.lastAt);
    const measured = { spec, elapsedMs, recordsPerSec: (spec.records * 1000) / elapsedMs, cpuUsPerRecord: (used.user + used.system) / spec.records };
    return spec.audit ? { ...measured, ...verifyTimed(path, keys.publicKey) } : measured;
  } finally {
    await rm(path, { recursive: true, force: true });
    await rm(`${path}.audit-head.json`, { force: true });
  }
}

function verifyTimed(path: string, publicKey: string): { chained: number; verifyPerSec: number } {
  const started = performance.now();
  const source = openAuditSource(path);
  try {
    const report = verifyAudit(source, { publicKey: createPublicKey(publicKey) });
    if (report.status !== 'verified') throw new Error(`the audited run does not verify: ${report.findings[0]?.message ?? report.status}`);
    return { chained: report.records, verifyPerSec: (report.records * 1000) / (performance.now() - started) };
  } finally {
    void source.close();
  }
}

function benchFlow(spec: AuditSpec, pacer: Pacer, meter: Meter): Flow {
  const handler: SourceHandler<Payload, number> = {
    open: () => ({ read: (max) => Promise.resolve({ values: pacer.take(max), position: pacer.produced, done: pacer.done }) }),
  };
  let last: StageRef<Payload> = source('source', handler);
  for (let i = 1; i <= spec.stages - 2; i++) last = transform(`t${String(i)}`, last, step);
  const metered = sink<Payload, number>('sink', last, {
    open: () => ({
      write: (values) => {
        for (const p of values) meter.observe(p);
        return meter.count;
      },
    }),
  });
  return flow('bench', [metered]);
}
