import { ErrorCode, SluiceError, errorMessage, type Flow } from '@sluice/core';
import { definitionChange, type RunSummary } from '@sluice/runtime';
import { LmdbJournalStore } from '../../lmdb/lmdb-journal-store.ts';
import type { ConfigInput, ResolvedConfig } from '../../config/resolve-config.ts';
import { createPinoLogger } from '../../pino-logger.ts';
import { auditOf, resolveLocalConfig, run, type LocalRunEndpoints } from '../../run-local.ts';
import { installShutdownHandlers } from '../../signals.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { configFlagHelp, configFlagOptions, configInput } from '../config-flags.ts';
import { loadFlow } from '../load-flow.ts';
import { ProgressDisplay } from '../progress.ts';
import { STATELY_INSPECTOR_URL } from '../../inspect/stately-inspector.ts';
import { formatSummary } from '../summary.ts';

const USAGE = `usage: sluice run <flow-file> [options]

Runs the flow that <flow-file> exports as default (a Flow from flow(…) in @sluice/core, or a
function returning one; TypeScript is loaded through tsx) on LMDB in its data directory. A run
on a directory an earlier run left resumes from its last commits.

Start: takes the data directory's lock (a directory another run holds is refused, exit 1), opens
the store, refuses a flow whose definition differs from the one the directory holds (unless
--allow-definition-change), recovers, sets up logging and the metrics server, then starts the
stages. On a terminal it shows live progress per stage; at the end it prints a summary.
SIGINT/SIGTERM: sources stop taking input, what is journaled drains (at most --drain-timeout),
the shutdown record is written and the process exits 0. A second signal stops at once; the
data directory stays recoverable. Logs are JSON lines (pino) on stderr.

Exit status: 0 when the flow completed or was stopped, 1 when it failed, 2 on bad arguments.

Options (precedence: defaults < config file < SLUICE_* environment < flags):
${configFlagHelp().join('\n')}
  --no-progress                do not draw live progress, even on a terminal
  -h, --help                   this text`;

/** `sluice run <flow-file>`: runs a flow with progress, metrics and graceful shutdown. */
export const runCommand: Command = {
  name: 'run',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'run',
      options: { ...configFlagOptions(), 'no-progress': { type: 'boolean' } },
      positionals: ['<flow-file>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const flow = await loadFlow(positionals[0] ?? '');
    const config = configInput(flags);
    const { values } = resolveLocalConfig(flow, { config });
    // Refusals come before any "running" line, with nothing written: another run holds the
    // directory (the lock is taken before the environment opens), or the definition changed.
    const store = await LmdbJournalStore.openLocked({ path: values.dataDir, durability: values.durability, ...auditOf(values.auditKey) });
    // A full disk is reported in the run's own line, not as lmdb-js's stack trace as well.
    const restoreConsole = quietLmdbWriteErrors();
    try {
      if (!values.allowDefinitionChange) await refuseChangedDefinition(store, flow);
      return await runOn(store, flow, { config, values, noProgress: flags['no-progress'] === true });
    } finally {
      await store.close();
      restoreConsole();
    }
  },
};

/** What {@link runOn} needs besides the store and the flow. */
interface RunArgs {
  readonly config: ConfigInput;
  readonly values: ResolvedConfig['values'];
  readonly noProgress: boolean;
}

/** Runs the flow on the locked store with progress and signal handling; resolves the exit code. */
async function runOn(store: LmdbJournalStore, flow: Flow, { config, values, noProgress }: RunArgs): Promise<number> {
  const progress = process.stdout.isTTY && !noProgress ? new ProgressDisplay({ out: process.stdout, log: process.stderr }) : undefined;
  const logger = createPinoLogger({ level: values.logLevel, destination: progress?.logStream ?? 2 });
  console.log(`sluice: running flow "${flow.name}" (${flow.stages.length} stages) in ${values.dataDir}`);
  const say = (line: string): void => (progress === undefined ? console.log(line) : progress.print(line));
  const handle = run(flow, { config, logger, store, onEndpoints: (endpoints) => printEndpoints(endpoints, say) });
  installShutdownHandlers(handle, {
    drainTimeoutMs: values.drainTimeoutMs,
    logger,
    onExit: (code) => {
      if (code >= 128) process.exit(code);
    },
  });
  progress?.start(handle);
  let summary: RunSummary;
  try {
    summary = await handle;
  } catch (error) {
    progress?.stop();
    console.error(`sluice: ${errorMessage(error)}`);
    return 1;
  }
  progress?.stop();
  for (const line of formatSummary(flow, summary)) console.log(line);
  return 0;
}

/**
 * Throws SluiceError DEFINITION_CHANGED when the directory holds a flow whose definition hash
 * differs from `flow`'s: the same check recovery makes, made here so that the CLI reports it as
 * a refusal before it says "running".
 */
async function refuseChangedDefinition(store: LmdbJournalStore, flow: Flow): Promise<void> {
  const change = await definitionChange(store, flow);
  if (change === undefined) return;
  throw new SluiceError(
    ErrorCode.DefinitionChanged,
    `refused: data directory ${store.path} holds flow "${change.stored.name}" with a different definition ` +
      `(${change.description}); nothing was changed. ` +
      'Use a new data directory, or rerun with --allow-definition-change to run it on the old journals',
  );
}

/**
 * Drops the raw errors lmdb-js prints with `console.error` when a write fails (write.js logs
 * the error and its stack before it rejects the commit); the store reports the same failure in
 * one line naming the data directory (see `writeFailure`). For the CLI, whose stderr holds
 * JSON logs and one-line errors only. Every other `console.error` call passes through. Returns
 * the function that puts `console.error` back. (Here, not in lmdb/: only the CLI owns its console.)
 */
function quietLmdbWriteErrors(): () => void {
  const original = console.error;
  console.error = (...args: unknown[]): void => {
    if (args.length === 1 && isLmdbError(args[0])) return;
    original(...args);
  };
  return () => {
    console.error = original;
  };
}

/** An Error thrown from lmdb-js's own code with an errno or LMDB code. */
function isLmdbError(value: unknown): boolean {
  if (!(value instanceof Error) || typeof (value as { code?: unknown }).code !== 'number') return false;
  const frame = value.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return frame !== undefined && /[\\/]node_modules[\\/](?:\.pnpm[\\/][^\\/]+[\\/]node_modules[\\/])?lmdb[\\/]/.test(frame);
}

function printEndpoints(endpoints: LocalRunEndpoints, say: (line: string) => void): void {
  if (endpoints.metrics !== undefined) {
    say(`sluice: metrics at ${endpoints.metrics}/metrics (also /health /flow /control /events)`);
  }
  if (endpoints.inspector !== undefined) {
    say(`sluice: Stately inspector: open ${endpoints.inspector} in a browser (it embeds ${STATELY_INSPECTOR_URL})`);
  }
}
