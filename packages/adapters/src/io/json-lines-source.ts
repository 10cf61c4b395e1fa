import { watch, type FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  ErrorCode,
  errorMessage,
  InvalidStateError,
  SluiceError,
  systemClock,
  type StageContext,
  type SourceBatch,
  type SourceError,
  type SourceHandler,
  type SourceReader,
} from '@sluice/core';
import { assertBatchSize } from './batch-size.ts';
import {
  inodeAt,
  inodeOf,
  noteTruncated,
  openAtPosition,
  openFollowed,
  openForReading,
  type JsonLinesPosition,
} from './json-lines-position.ts';
import { LineReader, type FileLine, type Utf8Fault } from './line-reader.ts';

export type { JsonLinesPosition } from './json-lines-position.ts';

/** Options of {@link jsonLinesSource}. */
export interface JsonLinesSourceOptions<T> {
  /** Checks (and may convert) a parsed value; throwing sends the line to the error lane. */
  readonly validate?: (value: unknown) => T;
  /**
   * Follow the file as it grows (`tail -F`): at its end the source waits for more instead of
   * ending, reads a line only once its newline is there, reads a rotated file to its end and
   * then the new file at the path from 0, and reads a truncated file again from 0.
   */
  readonly follow?: boolean;
  /** With `follow`: ms between looks at the file while at its end, on the run's clock (default 200). */
  readonly pollMs?: number;
}

/** Default wait between looks at a followed file that has nothing new. */
const DEFAULT_POLL_MS = 200;

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
  const { follow = false, pollMs = DEFAULT_POLL_MS } = options;
  if (!(Number.isSafeInteger(pollMs) && pollMs > 0)) {
    throw new SluiceError(ErrorCode.Config, `jsonLinesSource: pollMs must be a positive integer, got ${String(pollMs)}`);
  }
  return {
    async open(position, context): Promise<SourceReader<T, JsonLinesPosition>> {
      if (!follow) {
        const start = position ?? { offset: 0, line: 1 };
        const file = await openAtPosition(path, start, context);
        return new JsonLinesReader<T>({ path, file, start, validate: options.validate });
      }
      const { file, inode, start } = await openFollowed(path, position, context);
      const following: Following = { context, pollMs, inode, watcher: undefined, timer: undefined };
      const reader = new JsonLinesReader<T>({ path, file, start, validate: options.validate, following });
      reader.watch();
      return reader;
    },
  };
}

/** What a reader with `follow` keeps: the file's inode, how it waits for more. */
interface Following {
  readonly context: StageContext;
  readonly pollMs: number;
  inode: string;
  watcher: FSWatcher | undefined;
  timer: unknown;
}

interface ReaderOptions<T> {
  readonly path: string;
  readonly file: FileHandle;
  readonly start: JsonLinesPosition;
  readonly validate: ((value: unknown) => T) | undefined;
  readonly following?: Following;
}

/** Reader states: a read that failed midway has consumed lines it did not return. */
type ReaderState = 'open' | 'failed' | 'closed';

class JsonLinesReader<T> implements SourceReader<T, JsonLinesPosition> {
  readonly #path: string;
  #file: FileHandle;
  #lines: LineReader;
  readonly #validate: ((value: unknown) => T) | undefined;
  readonly #following: Following | undefined;
  #offset: number;
  #line: number;
  #done = false;
  #state: ReaderState = 'open';

  constructor(options: ReaderOptions<T>) {
    const { path, file, start } = options;
    this.#path = path;
    this.#file = file;
    this.#lines = new LineReader(file, start.offset);
    this.#validate = options.validate;
    this.#following = options.following;
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
    const following = this.#following;
    while (!this.#done && values.length + errors.length < max) {
      const next = following === undefined ? await this.#lines.next() : await this.#lines.nextComplete();
      if (next !== undefined) this.#consume(next, values, errors);
      else if (following === undefined) this.#done = true;
      else if (!(await this.#moveOn(following, values, errors))) break;
    }
    this.#state = 'open';
    const position =
      following === undefined
        ? { offset: this.#offset, line: this.#line }
        : { offset: this.#offset, line: this.#line, inode: following.inode };
    return errors.length > 0
      ? { values, errors, position, done: this.#done }
      : { values, position, done: this.#done };
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const following = this.#following;
    if (following !== undefined) {
      following.watcher?.close();
      if (following.timer !== undefined) (following.context.clock ?? systemClock).clearTimeout(following.timer);
    }
    await this.#file.close();
  }

  /**
   * Watches the file's directory, as a hint only (events can be missed or coalesced): a change
   * to the path wakes the stage before the next poll. The poll on the clock is what is relied on.
   */
  watch(): void {
    const following = this.#following;
    const wake = following?.context.wake;
    if (following === undefined || wake === undefined) return;
    const name = basename(this.#path);
    try {
      const watcher = watch(dirname(this.#path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) wake();
      });
      watcher.on('error', () => watcher.close());
      following.watcher = watcher;
    } catch {
      // No watching here (a file system without inotify): polling alone still follows the file.
    }
  }

  #consume(next: FileLine, values: T[], errors: SourceError[]): void {
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

  /**
   * At the end of a followed file: true when reading goes on at once (the file was truncated, or
   * rotated and the new one is open), false when there is nothing yet (a poll is then set).
   */
  async #moveOn(following: Following, values: T[], errors: SourceError[]): Promise<boolean> {
    const { context } = following;
    const { size } = await this.#file.stat();
    if (size < this.#lines.readTo) {
      noteTruncated(context, this.#path, this.#lines.readTo, size);
      this.#restartIn(this.#file, following.inode);
      return true;
    }
    const current = await inodeAt(this.#path);
    if (current === undefined || current === following.inode) {
      this.#pollLater(following);
      return false;
    }
    // Rotated: the old file is final, so its last line counts even without a newline.
    const last = await this.#lines.next();
    if (last !== undefined) this.#consume(last, values, errors);
    let file: FileHandle;
    try {
      file = await openForReading(this.#path, context);
    } catch {
      // Gone again between the look and the open: look again at the next poll.
      this.#pollLater(following);
      return false;
    }
    const inode = await inodeOf(file);
    const message = `jsonLinesSource(${this.#path}): the file was rotated; read the old one to its end, reading the new one from the start`;
    context.note?.({ kind: 'source.rotated', message, details: { path: this.#path, from: following.inode, to: inode } });
    await this.#file.close();
    this.#restartIn(file, inode);
    return true;
  }

  #restartIn(file: FileHandle, inode: string): void {
    this.#file = file;
    this.#lines = new LineReader(file, 0);
    this.#offset = 0;
    this.#line = 1;
    if (this.#following !== undefined) this.#following.inode = inode;
  }

  /** Wakes the stage after `pollMs` on the run's clock, so new lines are read without a busy loop. */
  #pollLater(following: Following): void {
    const { context, pollMs } = following;
    const wake = context.wake;
    if (wake === undefined || following.timer !== undefined) return;
    const clock = context.clock ?? systemClock;
    following.timer = clock.setTimeout(() => {
      following.timer = undefined;
      if (this.#state !== 'closed') wake();
    }, pollMs);
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
