import { ErrorCode, SluiceError, type JournalRecord, type JournalStore, type RecordKind } from '@sluice/core';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import { integerFlag, parseCommandArgs, stringFlag, type FlagValues } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir, type OpenDataDir } from '../data-dir.ts';
import { formatRecord, recordJson } from '../format-record.ts';
import { lastOfKind, readKind, readRange } from '../journal-reader.ts';
import { UsageError } from '../usage-error.ts';
import { printEffects } from './journal-effects.ts';
import { EXPORT_ERRORS_USAGE, exportErrors } from './journal-export.ts';

const USAGE = `usage: sluice journal cat <data-dir> <stage> [--from SEQ] [--limit N] [--kind KIND | --errors | --effects] [--json]
       sluice journal tail <data-dir> <stage> [--limit N] [--kind KIND | --errors] [--follow] [--json]
       sluice journal export-errors <data-dir> <stage> [--from SEQ] [--out FILE]

Prints the records of a stage's journal: seq, kind (data, error, eof, control), time and
payload, with lineage (← upstream#seq) and route port. <stage> may be $system, the activity
log. cat prints from --from (default 1); tail prints the last --limit (default 10) and, with
--follow, the records appended after them until interrupted. An error-lane record shows its
code, the reason, where in the input it was found and the input it failed on. Control
characters of payloads are printed escaped (\\u001b), in text and in --json.

export-errors writes the inputs of a stage's error lane as JSON lines, ready to be re-sent
through a fix-up flow once the cause is fixed (sluice journal export-errors --help says how).

Options:
  --from SEQ    cat, export-errors: the first seq to read (default 1)
  --limit N     at most N records (cat: all; tail: 10); with --kind, N records of that kind
  --kind KIND   only the records of KIND: data, error (the error lane), eof or control
  --errors      only the error lane, as --kind error
  --effects     cat: the stage's durable effects (its <stage>$effects journal), one per line:
                name, input, idempotency key, outcome (ok, FAILED, or UNKNOWN for an intent
                whose call a crash cut off), attempts and duration
  --follow      tail: keep printing new records (polls every 200 ms) until SIGINT
  --json        one JSON object per record and line: {seq, kind, at, payload, cause?, port?}
  --out FILE    export-errors: write to FILE (created, never overwritten) instead of stdout
  -h, --help    this text`;

const OPTIONS = {
  from: { type: 'string' },
  limit: { type: 'string' },
  kind: { type: 'string' },
  errors: { type: 'boolean' },
  effects: { type: 'boolean' },
  follow: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const EXPORT_OPTIONS = { from: { type: 'string' }, out: { type: 'string' } } as const;

const KINDS: readonly RecordKind[] = ['data', 'error', 'eof', 'control'];

const SUBCOMMANDS = ['cat', 'tail', 'export-errors'];

/** What cat and tail print: which records, and how. */
interface Printing {
  readonly stage: string;
  readonly kind: RecordKind | undefined;
  readonly json: boolean;
}

/** `sluice journal cat|tail|export-errors <data-dir> <stage>`. */
export const journalCommand: Command = {
  name: 'journal',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '-h' || sub === '--help') {
      if (sub === undefined) throw new UsageError('journal: missing cat, tail or export-errors', 'journal');
      console.log(USAGE);
      return 0;
    }
    if (!SUBCOMMANDS.includes(sub)) {
      throw new UsageError(`journal: unknown subcommand "${sub}" (use cat, tail or export-errors)`, 'journal');
    }
    const command = `journal ${sub}`;
    const exporting = sub === 'export-errors';
    const options = exporting ? EXPORT_OPTIONS : OPTIONS;
    const { positionals, flags } = parseCommandArgs(rest, { command, options, positionals: ['<data-dir>', '<stage>'] });
    if (flags['help'] === true) {
      console.log(exporting ? EXPORT_ERRORS_USAGE : USAGE);
      return 0;
    }
    if (sub === 'cat' && flags['follow'] === true) throw new UsageError('journal cat: --follow is for tail', command);
    if (sub === 'tail' && flags['from'] !== undefined) throw new UsageError('journal tail: --from is for cat', command);
    const dir = await openDataDir(positionals[0] ?? '');
    try {
      const stage = positionals[1] ?? '';
      await checkJournal(dir, stage);
      if (exporting) {
        await exportErrors(dir, stage, { from: integerFlag(flags, 'from', 1, command), out: stringFlag(flags, 'out') });
        return 0;
      }
      if (flags['effects'] === true) {
        if (sub !== 'cat' || flags['kind'] !== undefined || flags['errors'] === true) {
          throw new UsageError(`${command}: --effects is for cat, without --kind or --errors`, command);
        }
        await printEffects(dir.store, stage, flags['json'] === true);
        return 0;
      }
      const printing = { stage, kind: kindFlag(flags, command), json: flags['json'] === true };
      if (sub === 'cat') await cat(dir.store, printing, flags, command);
      else await tail(dir.store, printing, flags, command);
    } finally {
      await dir.store.close();
    }
    return 0;
  },
};

/** `--kind KIND` or `--errors`, checked; undefined for every kind. */
function kindFlag(flags: FlagValues, command: string): RecordKind | undefined {
  const kind = stringFlag(flags, 'kind');
  const errors = flags['errors'] === true;
  if (kind === undefined) return errors ? 'error' : undefined;
  const known = KINDS.find((k) => k === kind);
  if (known === undefined) {
    throw new UsageError(`${command}: --kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`, command);
  }
  if (errors && known !== 'error') throw new UsageError(`${command}: --errors means --kind error, not --kind ${kind}`, command);
  return known;
}

async function cat(store: JournalStore, printing: Printing, flags: FlagValues, command: string): Promise<void> {
  const from = integerFlag(flags, 'from', 1, command);
  const limit = integerFlag(flags, 'limit', Number.MAX_SAFE_INTEGER, command);
  const { stage, kind } = printing;
  const records = kind === undefined ? readRange(store, stage, from, limit) : readKind(store, stage, { from, limit, kind });
  for await (const record of records) show(record, printing);
}

async function tail(store: JournalStore, printing: Printing, flags: FlagValues, command: string): Promise<void> {
  const limit = integerFlag(flags, 'limit', 10, command);
  const { stage, kind } = printing;
  let last = await store.lastSeq(stage);
  if (kind === undefined) await print(store, printing, last - limit + 1, limit);
  else for (const record of await lastOfKind(store, stage, kind, limit)) show(record, printing);
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
    if (now > last) await print(store, printing, last + 1, now - last);
    last = now;
  }
}

/** Prints the records in `[from, from + limit)` that are of the kind printed. */
async function print(store: JournalStore, printing: Printing, from: number, limit: number): Promise<void> {
  for await (const record of readRange(store, printing.stage, from, limit)) {
    if (printing.kind === undefined || record.kind === printing.kind) show(record, printing);
  }
}

function show(record: JournalRecord, printing: Printing): void {
  console.log(printing.json ? recordJson(record) : formatRecord(record, printing.stage));
}

async function checkJournal(dir: OpenDataDir, stage: string): Promise<void> {
  if (stage === SYSTEM_JOURNAL || dir.definition.stages.includes(stage)) return;
  const journals = await dir.store.journals();
  if (journals.includes(stage)) return;
  const known = [...new Set([...dir.definition.stages, SYSTEM_JOURNAL, ...journals])].join(', ');
  throw new SluiceError(ErrorCode.Config, `no journal "${stage}" in ${dir.path} (journals: ${known})`);
}
