import { integerFlag, parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { formatActivity } from '../format-activity.ts';
import { terminalSafeJson } from '../safe-text.ts';
import { lastActivity, readActivity } from '../journal-reader.ts';

const USAGE = `usage: sluice log <data-dir> [--run ID] [--last] [--from SEQ] [--json]

Prints the activity log of a data directory (the $system journal): each run's start with its
configuration, recoveries, pipeline and stage transitions, signals, stalls and the shutdown
record, one line each: time, seq, run, what happened.

Options:
  --run ID     only the run whose id starts with ID
  --last       only the last run
  --from SEQ   start at this seq of the log
  --json       one JSON object per record and line (the activity entry with seq and at)
  -h, --help   this text

Control characters in the output are escaped (\u001b), in text and in --json.`;

/** `sluice log <data-dir>`. */
export const logCommand: Command = {
  name: 'log',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'log',
      options: { run: { type: 'string' }, last: { type: 'boolean' }, json: { type: 'boolean' }, from: { type: 'string' } },
      positionals: ['<data-dir>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const dir = await openDataDir(positionals[0] ?? '');
    try {
      let run = stringFlag(flags, 'run');
      let from = integerFlag(flags, 'from', 1, 'log');
      if (flags['last'] === true) {
        const started = await lastActivity(dir.store, 'run.started');
        run = started?.run ?? run;
        from = Math.max(from, started?.seq ?? 1);
      }
      for await (const record of readActivity(dir.store, from)) {
        if (run !== undefined && !(typeof record.run === 'string' && record.run.startsWith(run))) continue;
        console.log(flags['json'] === true ? terminalSafeJson(record) : formatActivity(record));
      }
    } finally {
      await dir.store.close();
    }
    return 0;
  },
};
