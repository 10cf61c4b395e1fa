import { open, unlink, type FileHandle } from 'node:fs/promises';
import { ErrorCode, SluiceError, errorMessage, type ErrorPayload, type JournalRecord } from '@sluice/core';
import type { OpenDataDir } from '../data-dir.ts';
import { readKind } from '../journal-reader.ts';
import { terminalSafe } from '../safe-text.ts';

/** The `--help` of `sluice journal export-errors`. */
export const EXPORT_ERRORS_USAGE = `usage: sluice journal export-errors <data-dir> <stage> [--from SEQ] [--out FILE]

Writes the inputs that failed at <stage> (its error lane) as JSON lines, one per error record
in seq order: the input the stage failed on, as JSON (for a transform, a sink or any stage with
an upstream: the upstream record's payload), or, for a source's malformed line, the line as it
was read (a line that was not UTF-8 has U+FFFD for its bad bytes; a line longer than 65536
characters was kept cut). Error records that hold no input are skipped and counted. A summary
with the seqs exported goes to stderr. On a terminal, control characters are shown escaped:
use --out, or a pipe, for the exact lines.

To re-send them once the cause is fixed:
  1. sluice journal export-errors .sluice/orders price --out failed.jsonl
  2. fix the stage's code (or, for a source, the lines in failed.jsonl);
  3. run a fix-up flow on its own data directory that reads the file with a JSON-lines source
     and goes through the fixed stage to the same kind of sink, with its own output file:
       const failed = source('failed', jsonLinesSource<Order>('failed.jsonl'));
       const priced = transform('price', failed, price);
       export default flow('orders-fixup', [sink('report', priced, jsonLinesSink('priced-fixup.jsonl'))]);
     sluice run fixup.ts --data-dir .sluice/orders-fixup
Journals are append-only: the error records stay where they are. A later export can start
after the last seq exported with --from.

Options:
  --from SEQ    the first seq of the journal to read (default 1)
  --out FILE    write to FILE (created, never overwritten) instead of stdout
  -h, --help    this text`;

/** Options of {@link exportErrors}. */
export interface ExportErrorsOptions {
  /** First seq to read. */
  readonly from: number;
  /** The file to create; undefined writes to stdout. */
  readonly out: string | undefined;
}

/** Lines written per write call. */
const CHUNK = 1000;

/**
 * Writes the failed inputs of `stage`'s error lane as JSON lines to `options.out` (created;
 * an existing file is refused and left alone, a partial one removed on failure) or stdout, and
 * a one-line summary to stderr. Throws a SluiceError naming the file when it cannot be written.
 */
export async function exportErrors(dir: OpenDataDir, stage: string, options: ExportErrorsOptions): Promise<void> {
  const source = dir.definition.topology.find((node) => node.name === stage)?.kind === 'source';
  const sink = options.out === undefined ? stdoutSink() : await fileSink(options.out);
  const counts = { written: 0, skipped: 0, first: 0, last: 0 };
  try {
    let lines: string[] = [];
    for await (const record of readKind(dir.store, stage, { from: options.from, limit: Number.MAX_SAFE_INTEGER, kind: 'error' })) {
      const line = failedInput(record, source);
      if (line === undefined) {
        counts.skipped += 1;
        continue;
      }
      lines.push(line);
      counts.written += 1;
      counts.first ||= record.seq;
      counts.last = record.seq;
      if (lines.length === CHUNK) {
        await sink.write(lines);
        lines = [];
      }
    }
    await sink.write(lines);
    await sink.close();
  } catch (error) {
    await sink.abandon();
    throw error;
  }
  console.error(summary(stage, options.out, counts));
}

/** The line to re-send for one error record, or undefined when it holds no input. */
function failedInput(record: JournalRecord, source: boolean): string | undefined {
  const { input } = record.payload as Partial<ErrorPayload>;
  if (input === undefined) return undefined;
  // A source's input is the raw line it could not read: write it back as it was.
  if (source && typeof input === 'string' && !/[\r\n]/.test(input)) return input;
  return JSON.stringify(input);
}

function summary(stage: string, out: string | undefined, counts: { written: number; skipped: number; first: number; last: number }): string {
  const inputs = `${counts.written} failed input${counts.written === 1 ? '' : 's'}`;
  const seqs = counts.written === 0 ? '' : ` (error records seq ${counts.first}..${counts.last})`;
  const skipped = counts.skipped === 0 ? '' : `; ${counts.skipped} error record${counts.skipped === 1 ? '' : 's'} without an input skipped`;
  return `sluice: ${inputs} of stage "${stage}" written to ${out ?? 'stdout'}${seqs}${skipped}`;
}

/** Where the lines go. */
interface LineSink {
  write(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** After a failure: drop what was written, where that can be done. */
  abandon(): Promise<void>;
}

function stdoutSink(): LineSink {
  // On a terminal the lines are for reading: a payload must not drive it.
  const show = process.stdout.isTTY ? terminalSafe : (line: string): string => line;
  return {
    write: async (lines) => {
      if (lines.length === 0) return;
      const text = lines.map(show).join('\n') + '\n';
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
    },
    close: () => Promise.resolve(),
    abandon: () => Promise.resolve(),
  };
}

async function fileSink(path: string): Promise<LineSink> {
  let file: FileHandle;
  try {
    file = await open(path, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? `${path} already exists (choose another --out or remove it)` : `cannot create ${path}: ${errorMessage(error)}`;
    throw new SluiceError(ErrorCode.Config, `journal export-errors: ${reason}`, { cause: error });
  }
  const failed = (error: unknown): SluiceError =>
    new SluiceError(ErrorCode.Config, `journal export-errors: cannot write ${path}: ${errorMessage(error)}`, { cause: error });
  return {
    write: async (lines) => {
      if (lines.length === 0) return;
      await file.write(lines.join('\n') + '\n').catch((error: unknown) => Promise.reject(failed(error)));
    },
    close: async () => {
      await file.close().catch((error: unknown) => Promise.reject(failed(error)));
    },
    abandon: async () => {
      await file.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    },
  };
}
