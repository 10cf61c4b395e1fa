import type { FileHandle } from 'node:fs/promises';
import { LineReader, type FileLine } from '../line-reader.ts';

/** Why a record cannot be read as fields: a quoting fault, or bytes that are not UTF-8. */
export type CsvRecordProblem =
  | { readonly kind: 'stray-quote'; readonly field: number }
  | { readonly kind: 'after-quote'; readonly field: number }
  | { readonly kind: 'unterminated'; readonly field: number }
  | { readonly kind: 'utf8'; readonly line: number; readonly byte: number; readonly value: number };

/** One CSV record: its fields, where it starts, what it spans, and its raw text. */
export interface CsvRecord {
  /** Unquoted field texts; a blank line is one empty field. */
  readonly fields: string[];
  /** 1-based line the record starts on. */
  readonly line: number;
  /** Physical lines it spans (more than one when a quoted field holds a line break). */
  readonly lines: number;
  /** Bytes it spans, terminator included: add them to the offset to reach the next record. */
  readonly bytes: number;
  /** Its text as read (lines joined by `\n`), for the error lane. */
  readonly text: string;
  /** Set when the record is malformed; the first fault found. */
  readonly problem?: CsvRecordProblem;
}

const QUOTE = '"';

/** Scanner modes between characters of a record. */
type Mode = 'field-start' | 'unquoted' | 'quoted' | 'quote-seen';

/**
 * Reads RFC 4180 records from a byte offset that starts a record: fields split by the
 * delimiter, `"…"` quoting with `""` for a quote, delimiters and line breaks (LF or CRLF, kept
 * as written) inside quotes. A quote inside an unquoted field, or text after a closing quote,
 * is a fault of the record, not of the file: the record still ends at its line break, so one
 * bad row never swallows the next. An open quote at end of file is an unterminated record.
 */
export class CsvRecordReader {
  readonly #lines: LineReader;
  readonly #delimiter: string;
  #line: number;
  #atFileStart: boolean;

  constructor(file: FileHandle, start: { readonly offset: number; readonly line: number }, delimiter: string) {
    this.#lines = new LineReader(file, start.offset);
    this.#delimiter = delimiter;
    this.#line = start.line;
    this.#atFileStart = start.offset === 0;
  }

  /** The next record, or undefined at end of file. */
  async next(): Promise<CsvRecord | undefined> {
    const first = await this.#lines.next();
    if (first === undefined) return undefined;
    const line = this.#line;
    const text = this.#atFileStart && first.text.charCodeAt(0) === 0xfeff ? first.text.slice(1) : first.text;
    this.#atFileStart = false;
    this.#line += 1;
    let problem = utf8Problem(first, line);
    // The fast path: most rows hold no quote at all.
    if (!text.includes(QUOTE)) {
      const fields = text.split(this.#delimiter);
      return problem === undefined
        ? { fields, line, lines: 1, bytes: first.bytes, text }
        : { fields, line, lines: 1, bytes: first.bytes, text, problem };
    }
    const scan = new Scanner(this.#delimiter);
    let bytes = first.bytes;
    let raw = text;
    let lines = 1;
    let current: FileLine = first;
    problem ??= scan.line(text);
    while (scan.open) {
      scan.lineBreak(terminatorOf(current));
      const next = await this.#lines.next();
      if (next === undefined) {
        problem ??= { kind: 'unterminated', field: scan.fields.length + 1 };
        break;
      }
      current = next;
      problem ??= utf8Problem(next, this.#line);
      this.#line += 1;
      lines += 1;
      bytes += next.bytes;
      raw += `\n${next.text}`;
      const fault = scan.line(next.text);
      problem ??= fault;
    }
    scan.finish();
    const record = { fields: scan.fields, line, lines, bytes, text: raw };
    return problem === undefined ? record : { ...record, problem };
  }
}

/** The state machine of one record, fed line by line. */
class Scanner {
  readonly fields: string[] = [];
  readonly #delimiter: string;
  #mode: Mode = 'field-start';
  #field = '';

  constructor(delimiter: string) {
    this.#delimiter = delimiter;
  }

  /** True while a quoted field is open at the end of the last line fed. */
  get open(): boolean {
    return this.#mode === 'quoted';
  }

  /** Scans one line's text; returns the first fault in it, if any. */
  line(text: string): CsvRecordProblem | undefined {
    let fault: CsvRecordProblem | undefined;
    let i = 0;
    while (i < text.length) {
      if (this.#mode === 'quoted') {
        const quote = text.indexOf(QUOTE, i);
        if (quote === -1) {
          this.#field += text.slice(i);
          return fault;
        }
        this.#field += text.slice(i, quote);
        this.#mode = 'quote-seen';
        i = quote + 1;
        continue;
      }
      const char = text[i] ?? '';
      i += 1;
      if (char === this.#delimiter) {
        this.#push();
        continue;
      }
      if (this.#mode === 'field-start') {
        this.#mode = char === QUOTE ? 'quoted' : 'unquoted';
        this.#field = char === QUOTE ? '' : char;
      } else if (this.#mode === 'quote-seen') {
        if (char === QUOTE) {
          this.#field += QUOTE;
          this.#mode = 'quoted';
        } else {
          fault ??= { kind: 'after-quote', field: this.fields.length + 1 };
          this.#field += char;
          this.#mode = 'unquoted';
        }
      } else {
        if (char === QUOTE) fault ??= { kind: 'stray-quote', field: this.fields.length + 1 };
        this.#field += char;
      }
    }
    return fault;
  }

  /** A line break inside an open quoted field is part of its text. */
  lineBreak(terminator: string): void {
    this.#field += terminator;
  }

  /** Ends the record: the field in progress is its last. */
  finish(): void {
    this.#push();
  }

  #push(): void {
    this.fields.push(this.#field);
    this.#field = '';
    this.#mode = 'field-start';
  }
}

/** The line break a line ended with, as written (`\r\n` or `\n`; none at end of file). */
function terminatorOf(line: FileLine): string {
  const terminator = line.bytes - Buffer.byteLength(line.text);
  return terminator >= 2 ? '\r\n' : terminator === 1 ? '\n' : '';
}

function utf8Problem(line: FileLine, number: number): CsvRecordProblem | undefined {
  if (line.invalid === undefined) return undefined;
  return { kind: 'utf8', line: number, byte: line.invalid.index + 1, value: line.invalid.byte };
}

/** A sentence for a record's fault; `names` (the header) names the field when known. */
export function describeProblem(problem: CsvRecordProblem, names: readonly string[] = []): string {
  if (problem.kind === 'utf8') {
    const byte = `0x${problem.value.toString(16).padStart(2, '0')}`;
    return `invalid UTF-8 at byte ${problem.byte} (${byte}) of line ${problem.line}: CSV text must be UTF-8`;
  }
  const name = names[problem.field - 1];
  const field = `field ${problem.field}${name === undefined ? '' : ` (${name})`}`;
  switch (problem.kind) {
    case 'stray-quote':
      return `a quote inside an unquoted field, in ${field}: quote the whole field and double its quotes`;
    case 'after-quote':
      return `text after the closing quote of ${field}: a quote inside a quoted field is written ""`;
    case 'unterminated':
      return `unterminated quoted field, in ${field}: its quote is never closed before the end of the file`;
  }
}
