import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { flow, keyed, sink, source, type SourceHandler } from '@sluice/core';
import { LmdbJournalStore } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { RssSampler, type MemoryPeak } from './rss.ts';

/** One keyed run: `records` records over `keys` distinct keys. */
export interface KeyedSpec {
  readonly keys: number;
  readonly records: number;
  readonly dir: string;
}

/** What one keyed run measured. */
export interface KeyedResult {
  readonly spec: KeyedSpec;
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  readonly cpuUsPerRecord: number;
  /** Keys the stage holds at the end (checks the run). */
  readonly held: number;
  readonly batches: number;
  readonly memory: MemoryPeak;
}

/**
 * The key of record `i`: a fixed pseudo-random permutation of `0..keys-1` (Knuth's
 * multiplicative hash), so keys arrive in no order, as user ids do, and every key is used
 * before any repeats when `records ≥ keys`.
 */
export function keyOf(i: number, keys: number): string {
  return `user-${String(Math.imul(i % keys, 2654435761) >>> 0)}`;
}

/**
 * Counts per key on LMDB (fsync per commit, as by default) in a fresh directory: a source of
 * `records` records → `keyed` count (emitting each key's new count) → a sink that drops them.
 * Checks that the stage holds min(keys, records) keys. CPU and peak RSS are the process's:
 * run it in a child of its own (keyed-child.ts).
 */
export async function runKeyedScenario(spec: KeyedSpec): Promise<KeyedResult> {
  const path = await mkdtemp(join(spec.dir, 'sluice-bench-keyed-'));
  const store = LmdbJournalStore.open({ path });
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  // From the first record read: opening the store and starting the stages are not per record.
  const clock = { started: 0 };
  try {
    const summary = await run(countFlow(spec, clock), { store });
    const elapsedMs = performance.now() - clock.started;
    const used = process.cpuUsage(cpu);
    if (summary.state !== 'completed') throw new Error(`the flow ended ${summary.state}`);
    const held = await store.countKeyed('count');
    const expected = Math.min(spec.keys, spec.records);
    if (held !== expected) throw new Error(`the keyed stage holds ${String(held)} keys, expected ${String(expected)}`);
    return {
      spec,
      elapsedMs,
      recordsPerSec: (spec.records * 1000) / elapsedMs,
      cpuUsPerRecord: (used.user + used.system) / spec.records,
      held,
      batches: summary.stages['count']?.batches ?? 0,
      memory: sampler.stop(),
    };
  } finally {
    await store.close();
    await rm(path, { recursive: true, force: true });
  }
}

function countFlow(spec: KeyedSpec, clock: { started: number }): ReturnType<typeof flow> {
  const records: SourceHandler<{ user: string }, number> = {
    open: (position) => {
      let next = position ?? 0;
      return {
        read: (max) => {
          if (clock.started === 0) clock.started = performance.now();
          const values: { user: string }[] = [];
          for (; values.length < max && next < spec.records; next++) values.push({ user: keyOf(next, spec.keys) });
          return Promise.resolve({ values, position: next, done: next >= spec.records });
        },
      };
    },
  };
  const counts = keyed('count', source('events', records), {
    key: (e: { user: string }) => e.user,
    init: () => 0,
    step: (n: number) => n + 1,
  });
  return flow('keyed-bench', [sink('out', counts, { open: () => ({ write: (values) => values.length }) })]);
}
