import type { Flow } from '@sluice/core';
import type { RunSummary } from '@sluice/runtime';
import { count, duration, formatTable } from './table.ts';

/**
 * The end-of-run summary: how the run ended, elapsed time and throughput, then per stage its
 * final state, records in and out, error-lane records and records per second.
 */
export function formatSummary(flow: Flow, summary: RunSummary): string[] {
  const seconds = Math.max(summary.elapsedMs, 1) / 1000;
  const sources = flow.stages.filter((s) => s.kind === 'source').map((s) => s.name);
  const read = sources.reduce((sum, name) => sum + (summary.stages[name]?.out ?? 0) + (summary.stages[name]?.errors ?? 0), 0);
  const rows = [['stage', 'kind', 'state', 'in', 'out', 'errors', 'records/s']];
  for (const node of flow.stages) {
    const s = summary.stages[node.name];
    if (s === undefined) continue;
    const handled = node.kind === 'source' ? s.out + s.errors : s.in;
    rows.push([node.name, node.kind, s.state, count(s.in), count(s.out), count(s.errors), count(handled / seconds)]);
  }
  const failure = summary.failure === undefined ? '' : ` (stage ${summary.failure.stage}: ${summary.failure.error})`;
  return [
    `flow "${summary.flow}" ${summary.state}${failure} in ${duration(summary.elapsedMs)}: ` +
      `${count(read)} records read, ${count(read / seconds)} records/s (run ${summary.runId})`,
    ...formatTable(rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right']).map((line) => `  ${line}`),
  ];
}
