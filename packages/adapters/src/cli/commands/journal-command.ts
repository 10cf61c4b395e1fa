import { ErrorCode, SluiceError, type JournalRecord, type JournalStore } from '@sluice/core';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import { integerFlag, parseCommandArgs, type FlagValues } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir, type OpenDataDir } from '../data-dir.ts';
import { formatRecord, recordJson } from '../format-record.ts';
import { readRange } from '../journal-reader.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice journal cat <data-dir> <stage> [--from SEQ] [--limit N] [--json]
       sluice journal tail <data-dir> <stage> [--limit N] [--follow] [--json]

Prints the records of a stage's journal: seq, kind (data, error, eof, control), time and
payload, with lineage (← upstream#seq) and route port. <stage> may be $system, the activity
log. cat prints from --from (default 1); tail prints the last --limit (default 10) and, with
--follow, the records appended after them until interrupted.

Options:
  --from SEQ    cat: the first seq to print (default 1)
  --limit N     at most N records (cat: all; tail: 10)
  --follow      tail: keep printing new records (polls every 200 ms) until SIGINT
  --json        one JSON object per record and line: {seq, kind, at, payload, cause?, port?}
  -h, --help    this text`;

const OPTIONS = {
  from: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** `sluice journal cat|tail <data-dir> <stage>`. */
export const journalCommand: Command = {
  name: 'journal',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help') {
      if (sub === undefined) throw new UsageError('journal: missing cat or tail', 'journal');
      console.log(USAGE);
      return 0;
    }
    if (sub !== 'cat' && sub !== 'tail') throw new UsageError(`journal: unknown subcommand "${sub}" (use cat or tail)`, 'journal');
    const command = `journal ${sub}`;
    const { positionals, flags } = parseCommandArgs(rest, { command, options: OPTIONS, positionals: ['<data-dir>', '<stage>'] });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    if (sub === 'cat' && flags['follow'] === true) throw new UsageError('journal cat: --follow is for tail', command);
    if (sub === 'tail' && flags['from'] !== undefined) throw new UsageError('journal tail: --from is for cat', command);
    const dir = await openDataDir(positionals[0] ?? '');
    try {
      const stage = positionals[1] ?? '';
      await checkJournal(dir, stage);
      if (sub === 'cat') await cat(dir.store, stage, flags, command);
      else await tail(dir.store, stage, flags, command);
    } finally {
      await dir.store.close();
    }
    return 0;
  },
};

async function cat(store: JournalStore, stage: string, flags: FlagValues, command: string): Promise<void> {
  const from = integerFlag(flags, 'from', 1, command);
  const limit = integerFlag(flags, 'limit', Number.MAX_SAFE_INTEGER, command);
  await print(store, stage, from, limit, flags['json'] === true);
}

async function tail(store: JournalStore, stage: string, flags: FlagValues, command: string): Promise<void> {
  const limit = integerFlag(flags, 'limit', 10, command);
  const json = flags['json'] === true;
  let last = await store.lastSeq(stage);
  await print(store, stage, last - limit + 1, limit, json);
  if (flags['follow'] !== true) return;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const state = { stopped: false };
  void stopped.then(() => (state.stopped = true));
  while (!state.stopped) {
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 200))]);
    const now = await store.lastSeq(stage);
    if (now > last) await print(store, stage, last + 1, now - last, json);
    last = now;
  }
}

async function print(store: JournalStore, stage: string, from: number, limit: number, json: boolean): Promise<void> {
  const show = (record: JournalRecord): string => (json ? recordJson(record) : formatRecord(record, stage));
  for await (const record of readRange(store, stage, from, limit)) console.log(show(record));
}

async function checkJournal(dir: OpenDataDir, stage: string): Promise<void> {
  if (stage === SYSTEM_JOURNAL || dir.definition.stages.includes(stage)) return;
  const journals = await dir.store.journals();
  if (journals.includes(stage)) return;
  const known = [...new Set([...dir.definition.stages, SYSTEM_JOURNAL, ...journals])].join(', ');
  throw new SluiceError(ErrorCode.Config, `no journal "${stage}" in ${dir.path} (journals: ${known})`);
}
