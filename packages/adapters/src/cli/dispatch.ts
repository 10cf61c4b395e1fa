import { readFileSync } from 'node:fs';
import { errorMessage } from '@sluice/core';
import type { Command } from './command.ts';
import { UsageError } from './usage-error.ts';

/** A command as the root knows it; its module (and what it imports) loads only when used. */
interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'run a flow file on its data directory (resumes an interrupted run)',
    load: async () => (await import('./commands/run-command.ts')).runCommand,
  },
  {
    name: 'status',
    summary: 'show a data directory: flow, last run, clean or not, cursors, journals, error lanes',
    load: async () => (await import('./commands/status-command.ts')).statusCommand,
  },
  {
    name: 'signal',
    summary: 'pause, resume or stop the run going on in a data directory: signal <data-dir> pause|resume|stop',
    load: async () => (await import('./commands/signal-command.ts')).signalCommand,
  },
  {
    name: 'journal',
    summary: 'print a stage journal: journal cat|tail <data-dir> <stage>',
    load: async () => (await import('./commands/journal-command.ts')).journalCommand,
  },
  {
    name: 'log',
    summary: 'print the activity log of a data directory',
    load: async () => (await import('./commands/log-command.ts')).logCommand,
  },
  {
    name: 'check',
    summary: 'check the integrity of a data directory: journals, counts, cursors, edges, receipts (mdb_stat cannot read it)',
    load: async () => (await import('./commands/check-command.ts')).checkCommand,
  },
  {
    name: 'trace',
    summary: 'print a record\'s lineage back to its source input and forward to its receipts: trace <data-dir> <stage>#<seq>',
    load: async () => (await import('./commands/trace-command.ts')).traceCommand,
  },
  {
    name: 'replay',
    summary: 'replay a flow file\'s current code over a recorded run and compare: replay <flow-file> --data-dir <dir> --verify',
    load: async () => (await import('./commands/replay-command.ts')).replayCommand,
  },
  {
    name: 'view',
    summary: 'serve the web view of a stopped data directory, read-only, with a time slider: view <data-dir> [--port N]',
    load: async () => (await import('./commands/view-command.ts')).viewCommand,
  },
  {
    name: 'config',
    summary: 'print the effective configuration of a flow file and where each value comes from',
    load: async () => (await import('./commands/config-command.ts')).configCommand,
  },
  {
    name: 'audit',
    summary: 'verify or export the signed audit trail of a data directory: audit verify|export <data-dir>',
    load: async () => (await import('./commands/audit-command.ts')).auditCommand,
  },
  {
    name: 'keygen',
    summary: 'write an Ed25519 key pair for the audit trail: keygen --out <prefix>',
    load: async () => (await import('./commands/keygen-command.ts')).keygenCommand,
  },
];

/** The root help. */
export const ROOT_USAGE = `usage: sluice <command> [options]

Sluice runs durable dataflows: every stage journals what it produces in LMDB, so a run can be
stopped, crashed and resumed without losing or repeating a record.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join('\n')}

Run "sluice <command> --help" for a command's options. Exit status: 0 on success, 1 when the
command failed (one line on stderr), 2 on bad arguments.

  -h, --help      this text
  -v, --version   the version`;

/**
 * Runs the CLI on `argv` (without node and the script) and resolves with the exit code. Errors
 * become one line on stderr: bad arguments exit 2 with a hint at `--help`, anything else 1
 * (with the stack only when DEBUG includes "sluice").
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === '-h' || name === '--help' || name === 'help') {
      const topic = COMMANDS.find((c) => c.name === rest[0]);
      console.log(topic === undefined ? ROOT_USAGE : (await topic.load()).usage);
      return 0;
    }
    if (name === '-v' || name === '--version') {
      console.log(version());
      return 0;
    }
    if (name === undefined) throw new UsageError('missing command');
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) throw new UsageError(`unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}"`);
    return await (await command.load()).run(rest);
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'sluice --help' : `sluice ${error.command.split(' ')[0] ?? ''} --help`;
    console.error(`sluice: ${error.message} (see ${help})`);
    return 2;
  }
  console.error(`sluice: ${errorMessage(error)}`);
  if (/\bsluice\b/.test(process.env['DEBUG'] ?? '') && error instanceof Error) console.error(error.stack);
  return 1;
}

/** The package version: package.json is two levels up from src/cli, three from dist/src/cli. */
function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@sluice/adapters') return `sluice ${pkg.version ?? 'unknown'}`;
    } catch {
      // not this one
    }
  }
  return 'sluice (unknown version)';
}
