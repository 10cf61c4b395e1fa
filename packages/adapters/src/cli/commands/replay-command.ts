import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ErrorCode, SluiceError, errorMessage, type Flow, type JournalStore } from '@sluice/core';
import { replay, type ReplayDifference, type ReplayReport } from '@sluice/runtime';
import { LmdbJournalStore } from '../../lmdb/lmdb-journal-store.ts';
import { createPinoLogger } from '../../pino-logger.ts';
import { parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { loadFlow } from '../load-flow.ts';
import { terminalSafe, terminalSafeJson } from '../safe-text.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice replay <flow-file> --data-dir <dir> [--verify] [--out <replay-dir>] [--json]

Re-runs the current code of <flow-file> over what the run in <dir> recorded, and compares each
stage's output with the original, record by record: kind, payload, cause, port and event time
(not wall-clock times). Sources read nothing from the world: their journaled records are the
input. Effects and commands are never called: they return their journaled outcomes, and one
with no recorded outcome fails its record (REPLAY_UNRECORDED). Sinks deliver nothing. Stages
with several inputs read them in the order the original's read log recorded.

The original is only read, never written: the replay holds its data directory's lock (so no
run starts meanwhile) and writes into --out, or into a temporary directory removed at the end.

Prints "0 differences", or the first divergence (stage#seq, expected, actual) and how many
records differ; "cannot certify" when the original was cut off (a SIGKILL, a run still to
resume): only the prefix it holds is compared, and the report says how much.

Exit status with --verify: 0 match, 1 divergence, 2 cannot certify (incomplete original),
3 refused (the flow's graph differs from the recorded one, or a run holds the data directory),
4 error (bad arguments, no data directory, a failure). Without --verify a replay that ran
exits 0 whatever it found (3 and 4 as above).

Options:
  --data-dir <dir>       the original run's data directory (required)
  --verify               the exit status says whether the replay matched (see above)
  --out <replay-dir>     keep the replay's journals there (a new or empty directory)
  --json                 the report as one JSON document
  --log-level <level>    the replay's own logs on stderr (default silent)
  -h, --help             this text`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  verify: { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

/** Exit codes of `sluice replay`. */
const EXIT = { match: 0, divergence: 1, incomplete: 2, refused: 3, error: 4 } as const;

/** `sluice replay <flow-file> --data-dir <dir>`. */
export const replayCommand: Command = {
  name: 'replay',
  usage: USAGE,
  async run(argv) {
    try {
      return await runReplay(argv);
    } catch (error) {
      // Exit 2 means "cannot certify" here, so bad arguments exit 4 like any other error.
      const hint = error instanceof UsageError ? ' (see sluice replay --help)' : '';
      const refused = error instanceof SluiceError && error.code === ErrorCode.DataDirInUse;
      console.error(terminalSafe(`sluice: ${refused ? 'replay refused: ' : ''}${errorMessage(error)}${hint}`));
      return refused ? EXIT.refused : EXIT.error;
    }
  },
};

async function runReplay(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseCommandArgs(argv, { command: 'replay', options: OPTIONS, positionals: ['<flow-file>'] });
  if (flags['help'] === true) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = stringFlag(flags, 'data-dir');
  if (dataDir === undefined) throw new UsageError('replay: missing --data-dir <dir>', 'replay');
  const out = stringFlag(flags, 'out');
  if (out !== undefined) refuseOut(out, dataDir);
  const logger = createPinoLogger({ level: stringFlag(flags, 'log-level') ?? 'silent', destination: 2 });
  const flow = await loadFlow(positionals[0] ?? '');
  const original = await openOriginal(dataDir);
  const into = out ?? mkdtempSync(join(tmpdir(), 'sluice-replay-into-'));
  let report: ReplayReport;
  try {
    const store = LmdbJournalStore.open({ path: into, durability: 'may-lose-last-commits-on-power-loss' });
    try {
      if (flags['json'] !== true) console.log(`sluice: replaying flow "${terminalSafe(flow.name)}" (${String(flow.stages.length)} stages) from ${original.path} into ${out === undefined ? 'a temporary directory' : resolve(out)}`);
      report = await replay(flow, { original: readOnly(original), into: store, logger });
    } finally {
      await store.close();
    }
  } finally {
    await original.close();
    if (out === undefined) rmSync(into, { recursive: true, force: true });
  }
  return print(report, flow, { json: flags['json'] === true, verify: flags['verify'] === true });
}

/**
 * An --out that holds anything is refused (a replay writes a fresh store, never over other
 * files), and so is one inside the original's directory, which a replay never adds to.
 */
function refuseOut(out: string, dataDir: string): void {
  const inside = relative(resolve(dataDir), resolve(out));
  if (!inside.startsWith('..') && !isAbsolute(inside)) {
    throw new SluiceError(ErrorCode.Config, `replay: --out ${resolve(out)} is inside the original data directory, which a replay never writes`);
  }
  const stats = statSync(out, { throwIfNoEntry: false });
  if (stats === undefined) return;
  if (!stats.isDirectory()) throw new SluiceError(ErrorCode.Config, `replay: --out ${resolve(out)} is a file, not a directory`);
  if (readdirSync(out).length > 0) throw new SluiceError(ErrorCode.Config, `replay: --out ${resolve(out)} is not empty (a replay writes into a new or empty directory)`);
}

/**
 * The original data directory, checked as every read-only command checks it (it must exist and
 * hold a run), then opened holding its lock, so that no run writes it during the replay: a run
 * holding it now is refused (DATA_DIR_IN_USE).
 */
async function openOriginal(dataDir: string): Promise<LmdbJournalStore> {
  await (await openDataDir(dataDir)).store.close();
  return LmdbJournalStore.openLocked({ path: resolve(dataDir) });
}

/** `store` with its writes refused: the replay reads the original and must never change it. */
function readOnly(store: JournalStore): JournalStore {
  const refuse = (): Promise<never> => Promise.reject(new SluiceError(ErrorCode.Config, 'replay: the original data directory is read-only'));
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commit' || property === 'writeMeta') return refuse;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function print(report: ReplayReport, flow: Flow, { json, verify }: { json: boolean; verify: boolean }): number {
  if (report.verdict === 'refused') {
    if (json) console.log(terminalSafeJson(report));
    console.error(terminalSafe(`sluice: replay refused: ${report.reason ?? `flow "${flow.name}" does not match the recorded run`}`));
    return EXIT.refused;
  }
  if (json) console.log(terminalSafeJson(report));
  else for (const line of reportText(report)) console.log(terminalSafe(line));
  return verify ? EXIT[report.verdict] : EXIT.match;
}

function reportText(report: ReplayReport): string[] {
  const lines = [`compared: ${report.compared.map((c) => `${c.stage} ${n(c.records)}`).join(', ') || 'no stage'}`];
  if (report.verdict === 'incomplete') lines.push(`cannot certify: ${report.reason ?? 'the original run did not complete'}`);
  if (report.first !== undefined) lines.push(...differenceText(report.first));
  const count = `${n(report.differences)} difference${report.differences === 1 ? '' : 's'}`;
  lines.push(report.verdict === 'incomplete' ? `${count} in the prefix compared` : count);
  lines.push(`${n(report.effectsRecalled)} effect and command outcome${report.effectsRecalled === 1 ? '' : 's'} served from the journal, none called`);
  return lines;
}

function differenceText(first: ReplayDifference): string[] {
  const field = first.field === undefined ? '' : ` (${first.field} differs)`;
  return [`first divergence: ${first.stage}#${String(first.seq)}${field}`, `  expected: ${valueText(first.expected)}`, `  actual:   ${valueText(first.actual)}`];
}

/** A count as people read it: 99,809. */
const n = (count: number): string => count.toLocaleString('en-US');

function valueText(value: unknown): string {
  if (value === undefined) return '(no record)';
  // undefined for a value JSON cannot hold (journals hold none, but the type allows it)
  const json = JSON.stringify(value) as string | undefined;
  return json ?? '(a value JSON cannot show)';
}
