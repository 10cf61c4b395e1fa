import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild } from './fork.ts';
import { NEXMARK_QUERIES } from './nexmark-report.ts';
import { count } from './targets.ts';

// The measuring child belongs to examples/nexmark (its generator, queries and references);
// it is run as a program, not imported, so this package needs no dependency on that example.
const CHILD = fileURLToPath(new URL('../nexmark/src/bench-child.ts', import.meta.url));

/** What the NEXMark suite measures. */
export interface NexmarkPlan {
  readonly mode: 'quick' | 'full';
  readonly events: number;
  readonly reps: number;
  readonly dir: string;
}

/** One query's run as examples/nexmark's bench child reports it (its `NexmarkBenchResult`). */
export type NexmarkRun =
  | { readonly query: string; readonly registered: false }
  | {
      readonly query: string;
      readonly registered: true;
      readonly title: string;
      readonly events: number;
      readonly rows: number;
      readonly sluiceEventsPerSec: number;
      readonly sluiceCpuUsPerEvent: number;
      readonly plainEventsPerSec: number;
      readonly plainReps: number;
    };

/** The full run: 1,000,000 events per query, once; `--quick`: 100,000. */
export function nexmarkPlan(quick: boolean, dir: string, reps: number | undefined): NexmarkPlan {
  return { mode: quick ? 'quick' : 'full', events: quick ? 100_000 : 1_000_000, reps: reps ?? 1, dir };
}

/**
 * Runs every query of the suite, each in its own child process (the Sluice flow on LMDB with
 * fsync'd commits, then the same query in plain JavaScript over the events in memory, in that
 * one process), repetition by repetition. The events file is generated once, in a temporary
 * directory removed at the end; a query not registered yet is asked once and reported so.
 */
export async function runNexmarkSuite(plan: NexmarkPlan, extraArgs: readonly string[], log: (line: string) => void): Promise<NexmarkRun[]> {
  const dir = await mkdtemp(join(plan.dir, 'sluice-bench-nexmark-'));
  // A million parsed events need more than Node's default heap on a small machine.
  const args = [...extraArgs, '--max-old-space-size=6144'];
  const runs: NexmarkRun[] = [];
  const missing = new Set<string>();
  try {
    for (let rep = 0; rep < plan.reps; rep++) {
      for (const query of NEXMARK_QUERIES) {
        if (missing.has(query)) continue;
        const run = await forkChild<NexmarkRun>(CHILD, { query, events: plan.events, dir }, args, `nexmark ${query}`);
        if (!run.registered) {
          missing.add(query);
          log(`  ${query}: not yet registered in examples/nexmark`);
        } else {
          runs.push(run);
          log(`  ${query} (${run.title}): Sluice ${count(run.sluiceEventsPerSec)} events/s, plain JS ${count(run.plainEventsPerSec)} events/s, ${count(run.rows)} rows`);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [...runs, ...[...missing].map((query): NexmarkRun => ({ query, registered: false }))];
}
