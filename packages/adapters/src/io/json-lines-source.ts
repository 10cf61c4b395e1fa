import type { FileHandle } from 'node:fs/promises';
import {
  errorMessage,
  InvalidStateError,
  type SourceBatch,
  type SourceError,
  type SourceHandler,
  type SourceReader,
} from '@sluice/core';
import { assertBatchSize } from './batch-size.ts';
import { openAtPosition, type JsonLinesPosition } from './json-lines-position.ts';
import { LineReader } from './line-reader.ts';

export type { JsonLinesPosition } from './json-lines-position.ts';

/** Options of {@link jsonLinesSource}. */
export interface JsonLinesSourceOptions<T> {
  /** Checks (and may convert) a parsed value; throwing sends the line to the error lane. */
  readonly validate?: (value: unknown) => T;
}

/** Longest raw line kept in a SourceError's `input`. */
const MAX_INPUT_CHARS = 1000;

/**
 * A source that reads a JSON Lines file (one JSON value per line, `\n` or `\r\n`) from the
 * committed position to the end of the file, then ends. Blank lines are skipped but counted;
 * a last line without a newline is read. A line that does not parse (or that `validate`
 * rejects) becomes a SourceError located at `<path>:<line>`. The position always points just
 * after the last line consumed, so a restart neither repeats nor skips a line. Opening throws
 * a TerminalError when the file is missing, and a JournalCorruptError when the committed
 * position no longer fits the file. Without `validate`, values are trusted to be `T`.
 */
export function jsonLinesSource<T>(
  path: string,
  options: JsonLinesSourceOptions<T> = {},
): SourceHandler<T, JsonLinesPosition> {
  return {
    async open(position, context): Promise<SourceReader<T, JsonLinesPosition>> {
      const start = position ?? { offset: 0, line: 1 };
      const file = await openAtPosition(path, start, context);
      return new JsonLinesReader<T>(path, file, start, options.validate);
    },
  };
}

/** Reader states: a read that failed midway has consumed lines it did not return. */
type ReaderState = 'open' | 'failed' | 'closed';

class JsonLinesReader<T> implements SourceReader<T, JsonLinesPosition> {
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #lines: LineReader;
  readonly #validate: ((value: unknown) => T) | undefined;
  #offset: number;
  #line: number;
  #done = false;
  #state: ReaderState = 'open';

  constructor(
    path: string,
    file: FileHandle,
    start: JsonLinesPosition,
    validate: ((value: unknown) => T) | undefined,
  ) {
    this.#path = path;
    this.#file = file;
    this.#lines = new LineReader(file, start.offset);
    this.#validate = validate;
    this.#offset = start.offset;
    this.#line = start.line;
  }

  /** Reads up to `max` values and errors; after a failed read only a reopen can resume. */
  async read(max: number): Promise<SourceBatch<T, JsonLinesPosition>> {
    if (this.#state !== 'open') {
      throw new InvalidStateError(`jsonLinesSource(${this.#path}): read() in state ${this.#state}`);
    }
    assertBatchSize(max, 'jsonLinesSource');
    this.#state = 'failed';
    const values: T[] = [];
    const errors: SourceError[] = [];
    while (!this.#done && values.length + errors.length < max) {
      const next = await this.#lines.next();
      if (next === undefined) {
        this.#done = true;
        break;
      }
      const number = this.#line;
      this.#offset += next.bytes;
      this.#line += 1;
      if (/\S/.test(next.text)) this.#parse(next.text, number, values, errors);
    }
    this.#state = 'open';
    const position = { offset: this.#offset, line: this.#line };
    return errors.length > 0
      ? { values, errors, position, done: this.#done }
      : { values, position, done: this.#done };
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#file.close();
  }

  #parse(text: string, line: number, values: T[], errors: SourceError[]): void {
    try {
      // A byte-order mark may open the first line; JSON.parse rejects it.
      const json = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      const parsed: unknown = JSON.parse(json);
      values.push(this.#validate === undefined ? (parsed as T) : this.#validate(parsed));
    } catch (thrown) {
      const location = `${this.#path}:${line}`;
      errors.push({
        message: `${location}: ${errorMessage(thrown)}`,
        location,
        input: text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text,
      });
    }
  }
}
