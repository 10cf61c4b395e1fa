import type { Flow } from '@sluice/core';
import type { RunSummary } from '@sluice/runtime';
import { describeCounts, handledCount } from './stage-counts.ts';
import { count, duration, formatTable } from './table.ts';

/**
 * The end-of-run summary: how the run ended, elapsed time and throughput, then per stage its
 * final state, its counts in words that fit its kind, error-lane records and records per second.
 */
export function formatSummary(flow: Flow, summary: RunSummary): string[] {
  const seconds = Math.max(summary.elapsedMs, 1) / 1000;
  const sources = flow.stages.filter((s) => s.kind === 'source').map((s) => s.name);
  const read = sources.reduce((sum, name) => sum + (summary.stages[name]?.out ?? 0) + (summary.stages[name]?.errors ?? 0), 0);
  const rows = [['stage', 'kind', 'state', 'records', 'errors', 'records/s']];
  for (const node of flow.stages) {
    const s = summary.stages[node.name];
    if (s === undefined) continue;
    const handled = handledCount(node.kind, s);
    rows.push([node.name, node.kind, s.state, describeCounts(node.kind, s), count(s.errors), count(handled / seconds)]);
  }
  const failure = summary.failure === undefined ? '' : ` (stage ${summary.failure.stage}: ${summary.failure.error})`;
  return [
    `flow "${summary.flow}" ${summary.state}${failure} in ${duration(summary.elapsedMs)}: ` +
      `${count(read)} records read, ${count(read / seconds)} records/s (run ${summary.runId})`,
    ...formatTable(rows, ['left', 'left', 'left', 'left', 'right', 'right']).map((line) => `  ${line}`),
  ];
}
