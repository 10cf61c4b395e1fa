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
import { LineReader, type Utf8Fault } from './line-reader.ts';

export type { JsonLinesPosition } from './json-lines-position.ts';

/** Options of {@link jsonLinesSource}. */
export interface JsonLinesSourceOptions<T> {
  /** Checks (and may convert) a parsed value; throwing sends the line to the error lane. */
  readonly validate?: (value: unknown) => T;
}

/**
 * Longest raw line kept in a SourceError's `input`: enough for any real record, so that the
 * error lane can be exported and re-sent whole, yet bounded for a runaway line with no newline.
 */
const MAX_INPUT_CHARS = 64 * 1024;

/** JSON's own whitespace (RFC 8259): a line of only these is blank. `\s` would also take U+FEFF. */
const NOT_JSON_SPACE = /[^ \t\r]/;

const BYTE_ORDER_MARK = 0xfeff;

/**
 * A source that reads a JSON Lines file (one JSON value per line, `\n` or `\r\n`) from the
 * committed position to the end of the file, then ends. Blank lines (JSON whitespace only) are
 * skipped but counted; a last line without a newline is read; a byte-order mark may open the
 * file. A line that is not UTF-8, that holds any other byte-order mark, that does not parse or
 * that `validate` rejects becomes a SourceError located at `<path>:<line>`. The position always points just
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
      const atFileStart = this.#offset === 0;
      this.#offset += next.bytes;
      this.#line += 1;
      // A byte-order mark may open the file: drop it there, and only there.
      const text = atFileStart && next.text.charCodeAt(0) === BYTE_ORDER_MARK ? next.text.slice(1) : next.text;
      const problem = problemOf(next.invalid, text);
      if (problem !== undefined) errors.push(this.#malformed(problem, text, number));
      else if (NOT_JSON_SPACE.test(text)) this.#parse(text, number, values, errors);
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
      const parsed: unknown = JSON.parse(text);
      values.push(this.#validate === undefined ? (parsed as T) : this.#validate(parsed));
    } catch (thrown) {
      errors.push(this.#malformed(errorMessage(thrown), text, line));
    }
  }

  /** The error-lane entry of a bad line: the message names `<path>:<line>` once, first. */
  #malformed(reason: string, text: string, line: number): SourceError {
    const location = `${this.#path}:${line}`;
    return {
      message: `${location}: ${reason}`,
      location,
      input: text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text,
    };
  }
}

/** Why a line cannot be JSON text before it is even parsed, or undefined. */
function problemOf(invalid: Utf8Fault | undefined, text: string): string | undefined {
  if (invalid !== undefined) {
    const byte = `0x${invalid.byte.toString(16).padStart(2, '0')}`;
    return `invalid UTF-8 at byte ${invalid.index + 1} (${byte}): JSON text must be UTF-8`;
  }
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) {
    return 'unexpected byte-order mark (U+FEFF): only the start of the file may have one';
  }
  return undefined;
}
