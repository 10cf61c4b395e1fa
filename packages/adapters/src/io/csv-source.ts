import type { FileHandle } from 'node:fs/promises';
import {
  ErrorCode,
  errorMessage,
  InvalidStateError,
  TerminalError,
  type SourceBatch,
  type SourceError,
  type SourceHandler,
  type SourceReader,
  type StageContext,
} from '@sluice/core';
import { assertBatchSize } from './batch-size.ts';
import { converterOf, type CsvColumns, type CsvConvert, type CsvRow } from './csv/csv-columns.ts';
import { openCsv, type CsvPosition } from './csv/csv-open.ts';
import { CsvRecordReader, describeProblem, type CsvRecord } from './csv/csv-records.ts';

export type { CsvColumn, CsvColumns, CsvColumnType, CsvRow, CsvValue } from './csv/csv-columns.ts';
export type { CsvPosition } from './csv/csv-open.ts';

/** Options of {@link csvSource}. */
export interface CsvSourceOptions<TColumns extends CsvColumns = CsvColumns> {
  /**
   * Typed columns by header name: the record holds exactly these (other header columns are
   * left out), each converted; without it, every header column as a string.
   */
  readonly columns?: TColumns;
  /** One character between fields; not a quote or a line break. Default `,`. */
  readonly delimiter?: string;
  /** The first record names the columns; the only mode today. */
  readonly header?: true;
}

/** Longest raw record kept in a SourceError's `input` (as the JSON-lines source keeps lines). */
const MAX_INPUT_CHARS = 64 * 1024;

/**
 * A source that reads a CSV file (RFC 4180: `"` quoting with `""` inside, delimiters and LF or
 * CRLF line breaks inside quotes) whose header row names the columns, from the committed
 * position to the end of the file, then ends. With `columns`, each record holds those columns
 * typed (`string`, `number`, `integer`, `boolean`, `date` as ISO 8601 read as UTC without an
 * offset, or a function of the raw text) and its type is inferred from them. Blank lines are
 * skipped; a byte-order mark may open the file. A row with the wrong number of fields, a value
 * that does not fit its column, a quoting fault, an unterminated quote at end of file or bytes
 * that are not UTF-8 go to the error lane as `<path>:<line>` with the reason. The position is
 * always a record boundary, so a restart neither repeats nor skips a row. Opening throws a
 * TerminalError naming the file and column when the header has a duplicate column or lacks a
 * typed one, and a JournalCorruptError when the committed position no longer fits the file.
 */
export function csvSource<const TColumns extends CsvColumns>(
  path: string,
  options: CsvSourceOptions<TColumns> & { readonly columns: TColumns },
): SourceHandler<CsvRow<TColumns>, CsvPosition>;
/** A CSV source without typed columns: every header column, as a string. */
export function csvSource(
  path: string,
  options?: CsvSourceOptions<never>,
): SourceHandler<Record<string, string>, CsvPosition>;
export function csvSource(
  path: string,
  options: CsvSourceOptions = {},
): SourceHandler<Record<string, unknown>, CsvPosition> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    const message = `csvSource(${path}): delimiter must be one character, not a quote or a line break; got ${JSON.stringify(delimiter)}`;
    throw new TerminalError(ErrorCode.Config, message);
  }
  const columns = Object.entries(options.columns ?? {}).map(([name, column]) => {
    try {
      return { name, convert: converterOf(name, column) };
    } catch (error) {
      throw new TerminalError(ErrorCode.Config, `csvSource(${path}): ${errorMessage(error)}`);
    }
  });
  return {
    async open(position, context): Promise<SourceReader<Record<string, unknown>, CsvPosition>> {
      const opened = await openCsv(path, position, delimiter, context);
      try {
        const shape = rowShape(path, opened.names, options.columns === undefined ? undefined : columns, context);
        return new CsvReader(path, opened.file, opened.start, { delimiter, names: opened.names, shape });
      } catch (error) {
        await opened.file.close();
        throw error;
      }
    },
  };
}

/** Which header field fills each output column, and how it is converted. */
interface Slot {
  readonly name: string;
  readonly index: number;
  readonly convert: CsvConvert | undefined;
}

function rowShape(
  path: string,
  names: readonly string[],
  columns: readonly { name: string; convert: CsvConvert }[] | undefined,
  context: StageContext,
): Slot[] {
  if (columns === undefined) return names.map((name, index) => ({ name, index, convert: undefined }));
  return columns.map(({ name, convert }) => {
    const index = names.indexOf(name);
    if (index === -1) {
      const message = `csvSource(${path}): header has no column ${JSON.stringify(name)} (it has: ${names.join(', ')})`;
      throw new TerminalError(ErrorCode.Config, message, { stage: context.stage });
    }
    return { name, index, convert };
  });
}

/** Reader states: a read that failed midway has consumed records it did not return. */
type ReaderState = 'open' | 'failed' | 'closed';

class CsvReader implements SourceReader<Record<string, unknown>, CsvPosition> {
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #records: CsvRecordReader;
  readonly #names: readonly string[];
  readonly #shape: readonly Slot[];
  readonly #header: string;
  #offset: number;
  #line: number;
  #done = false;
  #state: ReaderState = 'open';

  constructor(
    path: string,
    file: FileHandle,
    start: CsvPosition,
    layout: { readonly delimiter: string; readonly names: readonly string[]; readonly shape: readonly Slot[] },
  ) {
    this.#path = path;
    this.#file = file;
    this.#records = new CsvRecordReader(file, start, layout.delimiter);
    this.#names = layout.names;
    this.#shape = layout.shape;
    this.#header = start.header;
    this.#offset = start.offset;
    this.#line = start.line;
  }

  /** Reads up to `max` rows and errors; after a failed read only a reopen can resume. */
  async read(max: number): Promise<SourceBatch<Record<string, unknown>, CsvPosition>> {
    if (this.#state !== 'open') {
      throw new InvalidStateError(`csvSource(${this.#path}): read() in state ${this.#state}`);
    }
    assertBatchSize(max, 'csvSource');
    this.#state = 'failed';
    const values: Record<string, unknown>[] = [];
    const errors: SourceError[] = [];
    while (!this.#done && values.length + errors.length < max) {
      const record = await this.#records.next();
      if (record === undefined) {
        this.#done = true;
        break;
      }
      this.#offset += record.bytes;
      this.#line += record.lines;
      if (record.lines === 1 && record.text === '' && record.problem === undefined) continue;
      const reason = this.#convert(record, values);
      if (reason !== undefined) errors.push(this.#malformed(reason, record));
    }
    this.#state = 'open';
    const position = { offset: this.#offset, line: this.#line, header: this.#header };
    return errors.length > 0
      ? { values, errors, position, done: this.#done }
      : { values, position, done: this.#done };
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#file.close();
  }

  /** Pushes the record's row onto `values`, or returns why it has none. */
  #convert(record: CsvRecord, values: Record<string, unknown>[]): string | undefined {
    if (record.problem !== undefined) return describeProblem(record.problem, this.#names);
    const { fields } = record;
    if (fields.length !== this.#names.length) {
      return `expected ${this.#names.length} fields (${this.#names.join(', ')}), got ${fields.length}`;
    }
    const row: Record<string, unknown> = {};
    for (const { name, index, convert } of this.#shape) {
      const raw = fields[index] ?? '';
      if (convert === undefined) {
        setField(row, name, raw);
        continue;
      }
      try {
        setField(row, name, convert(raw));
      } catch (error) {
        return `column ${JSON.stringify(name)}: ${errorMessage(error)}`;
      }
    }
    values.push(row);
    return undefined;
  }

  /** The error-lane entry of a bad record: the message names `<path>:<line>` once, first. */
  #malformed(reason: string, record: CsvRecord): SourceError {
    const location = `${this.#path}:${record.line}`;
    const { text } = record;
    return {
      message: `${location}: ${reason}`,
      location,
      input: text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text,
    };
  }
}

/** Sets a field by a header's name; a column named `__proto__` stays a plain field. */
function setField(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  } else row[name] = value;
}
