import type { Flow, JournalStore } from '@sluice/core';
import { describeCounts } from '@sluice/adapters';
import type { RunSummary } from '@sluice/runtime';

/** Prints records per stage (journal totals and this run), error lanes, elapsed and rate. */
export async function printSummary(flow: Flow, store: JournalStore, summary: RunSummary, outDir: string): Promise<void> {
  const rows: string[][] = [['stage', 'kind', 'journal data', 'error lane', 'this run']];
  let errors = 0;
  for (const stage of flow.stages) {
    const stats = await store.stats(stage.name);
    const run = summary.stages[stage.name];
    errors += stats.error;
    rows.push([
      stage.name,
      stage.kind,
      String(stats.data),
      String(stats.error),
      describeCounts(stage.kind, run ?? { in: 0, out: 0, errors: 0 }),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  const sourced = flow.stages
    .filter((s) => s.kind === 'source')
    .reduce((sum, s) => sum + (summary.stages[s.name]?.out ?? 0) + (summary.stages[s.name]?.errors ?? 0), 0);
  const seconds = summary.elapsedMs / 1000;
  console.log(
    `\nflow "${flow.name}" ${summary.state} in ${seconds.toFixed(2)} s: ${String(sourced)} source records this run, ` +
      `${Math.round(sourced / Math.max(seconds, 0.001)).toLocaleString('en-US')} records/s; ` +
      `${String(errors)} records in error lanes; outputs in ${outDir}`,
  );
}
