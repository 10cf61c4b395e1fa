import { ErrorCode, errorMessage, SluiceError } from '@sluice/core';
import { startViewServer } from '../../view/view-server.ts';
import { integerFlag, parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice view <data-dir> [--port N] [--host H]

Serves the web view of a stopped flow's data directory, read-only: the flow graph with each
stage's kind, machine state and counts, a stage panel with its last records, error lane,
transitions and effects, and a time slider over the activity log that shows every machine's
state and every stage's counts at any moment of the run, rebuilt from the journals. Prints
the URL to open, then serves until Ctrl-C. Writes nothing and takes no lock, so it also works
beside a running flow (showing what was journaled when it started); a running flow's own page
is at its ops server's URL (/).

Exit status: 0 after Ctrl-C, 1 when the directory cannot be read or the port cannot be bound,
2 on bad arguments.

Options:
  --port N     the port to listen on (default 0: any free port)
  --host H     the interface to listen on (default 127.0.0.1: this machine only)
  -h, --help   this text`;

/** `sluice view <data-dir>`. */
export const viewCommand: Command = {
  name: 'view',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'view',
      options: { port: { type: 'string' }, host: { type: 'string' } },
      positionals: ['<data-dir>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const port = integerFlag(flags, 'port', 0, 'view');
    if (port > 65535) throw new UsageError(`view: --port must be at most 65535, got ${port}`, 'view');
    const host = stringFlag(flags, 'host') ?? '127.0.0.1';
    const server = await startViewServer({ dir: positionals[0] ?? '', port, host }).catch((error: unknown) => {
      if (error instanceof SluiceError) throw error;
      throw new SluiceError(ErrorCode.Config, `view: cannot listen on ${host}:${port}: ${errorMessage(error)}`, { cause: error });
    });
    console.log(`sluice view: open ${server.url}/ (read-only; Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
