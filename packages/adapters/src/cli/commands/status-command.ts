import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { readStatus, type DataDirStatus, type DelayAtRest } from '../read-status.ts';
import { count, formatTable, timestamp } from '../table.ts';
import { terminalSafe } from '../safe-text.ts';

const USAGE = `usage: sluice status <data-dir> [--json]

Shows what a flow data directory holds: the flow and its definition hash, how many runs it has
seen, the last run and whether it ended with a clean shutdown, and for each stage its kind,
journal length, record counts by kind (data, error lane, eof) and input cursors with lag; for a
delay stage, how many records it holds and when the next one is due.
Works while a run is going on.

Options:
  --json       one JSON object instead of text
  -h, --help   this text`;

/** `sluice status <data-dir>`. */
export const statusCommand: Command = {
  name: 'status',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'status',
      options: { json: { type: 'boolean' } },
      positionals: ['<data-dir>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const dir = await openDataDir(positionals[0] ?? '');
    try {
      const status = await readStatus(dir);
      if (flags['json'] === true) console.log(JSON.stringify(status, null, 2));
      else for (const line of formatStatus(status)) console.log(line);
    } finally {
      await dir.store.close();
    }
    return 0;
  },
};

function formatStatus(status: DataDirStatus): string[] {
  const run = status.lastRun;
  const lastRun =
    run === undefined
      ? 'none'
      : `${run.run} started ${timestamp(run.startedAt)}${run.pid === undefined ? '' : `, pid ${run.pid}`}`;
  const rows = [['stage', 'kind', 'journal', 'data', 'errors', 'eof', 'inputs (cursor/upstream, lag)']];
  for (const stage of status.stages) {
    const inputs = stage.inputs.map((i) => `${i.upstream} ${i.cursor}/${i.upstreamSeq}${i.lag > 0 ? ` lag ${count(i.lag)}` : ''}`);
    rows.push([
      stage.name,
      stage.kind,
      count(stage.journalLength),
      count(stage.counts.data),
      count(stage.counts.error),
      count(stage.counts.eof),
      inputs.length === 0 ? '-' : inputs.join(', '),
    ]);
  }
  const delays = status.stages.flatMap((stage) => (stage.delay === undefined ? [] : [describeDelay(stage.name, stage.delay)]));
  return [
    `flow        ${status.flow} (definition ${status.definitionHash})`,
    `data dir    ${status.dataDir}`,
    `runs        ${status.runs}`,
    `last run    ${lastRun}`,
    `shutdown    ${describeStop(status)}`,
    '',
    ...formatTable(rows, ['left', 'left', 'right', 'right', 'right', 'right', 'left']),
    ...(delays.length === 0 ? [] : ['', ...delays]),
    '',
    `activity log: ${count(status.system.journalLength)} records (sluice log ${status.dataDir})`,
  ];
}

function describeDelay(stage: string, delay: DelayAtRest): string {
  const next = delay.nextDueAt === null ? 'none due' : `next due ${timestamp(delay.nextDueAt)}`;
  return `delay ${stage}: ${count(delay.pending)} pending, ${next}`;
}

function describeStop(status: DataDirStatus): string {
  const stop = status.lastStop;
  if (stop.kind === 'shutdown') {
    const reason = stop.reason === undefined ? '' : `: ${terminalSafe(stop.reason)}`;
    return `${stop.clean ? 'clean' : 'NOT clean'} (${stop.state}${reason}) at ${timestamp(stop.at)}`;
  }
  if (stop.pidAlive) return 'none yet: the run is going on (its process is alive)';
  const last = stop.lastRecord === undefined ? '' : ` (last record: ${stop.lastRecord})`;
  return `NOT clean: the last run ended without a shutdown record${last}; the next run recovers`;
}
