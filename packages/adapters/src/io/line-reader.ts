import type { FileHandle } from 'node:fs/promises';
import { firstInvalidUtf8 } from './utf8-check.ts';

/** One line of a file: its text without the line terminator, and the bytes it spans. */
export interface FileLine {
  /**
   * Decoded UTF-8 text, without `\n` or `\r\n`; a byte-order mark is kept as U+FEFF. When
   * the line is not valid UTF-8, a lossy decoding (bad bytes as U+FFFD), for messages only.
   */
  readonly text: string;
  /** Bytes consumed, terminator included: add it to the offset to reach the next line. */
  readonly bytes: number;
  /** Set only when the line is not valid UTF-8: where it first goes wrong. */
  readonly invalid?: Utf8Fault;
}

/** The first byte of a line that is not (or does not start) a well-formed UTF-8 sequence. */
export interface Utf8Fault {
  /** 0-based index of the byte in the line. */
  readonly index: number;
  /** Its value. */
  readonly byte: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Bytes read per file read; a longer line grows the buffer. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

/**
 * Strict decoder: rejects overlongs, encoded surrogates, code points past U+10FFFF and
 * truncated sequences. `ignoreBOM` keeps a U+FEFF in the text instead of dropping it silently,
 * so the caller decides where one is allowed.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a file line by line from a byte offset, in chunks, decoding each line straight from
 * the chunk buffer, strictly as UTF-8 (a bad line is marked, not silently repaired). Lines are
 * decoded only once complete, so a character split across two reads is decoded whole. At end
 * of file a last line without `\n` is returned as a line. Not safe for concurrent calls; the
 * caller owns (and closes) the file handle.
 */
export class LineReader {
  readonly #file: FileHandle;
  #buffer: Buffer;
  /** Index of the next unconsumed byte. */
  #start = 0;
  /** Index after the last valid byte. */
  #end = 0;
  /** Index from which to search for the next newline (bytes before it have none). */
  #scan = 0;
  /** File offset of `#buffer[#end]`. */
  #filePosition: number;
  #eof = false;

  constructor(file: FileHandle, offset: number, chunkSize: number = DEFAULT_CHUNK_SIZE) {
    this.#file = file;
    this.#filePosition = offset;
    this.#buffer = Buffer.allocUnsafe(chunkSize);
  }

  /** The next line, or undefined at end of file (a last line without `\n` is a line). */
  async next(): Promise<FileLine | undefined> {
    return this.#next(true);
  }

  /**
   * The next line that ends in `\n`, or undefined when the file holds no complete line yet: a
   * partial last line stays buffered, and a later call reads what was appended meanwhile.
   */
  async nextComplete(): Promise<FileLine | undefined> {
    return this.#next(false);
  }

  /** File offset up to which bytes have been read (consumed or buffered). */
  get readTo(): number {
    return this.#filePosition;
  }

  async #next(partialAtEof: boolean): Promise<FileLine | undefined> {
    for (;;) {
      // indexOf may find a stale newline past #end: then there is none before #end.
      const newline = this.#buffer.indexOf(NEWLINE, this.#scan);
      if (newline !== -1 && newline < this.#end) return this.#take(newline, newline + 1);
      this.#scan = this.#end;
      if (this.#eof) {
        if (partialAtEof) return this.#start < this.#end ? this.#take(this.#end, this.#end) : undefined;
        // A followed file may grow: the next call reads again from where this one stopped.
        this.#eof = false;
        return undefined;
      }
      await this.#fill();
    }
  }

  #take(stop: number, next: number): FileLine {
    const start = this.#start;
    const textEnd = stop > start && this.#buffer[stop - 1] === CARRIAGE_RETURN ? stop - 1 : stop;
    this.#start = next;
    this.#scan = next;
    const bytes = this.#buffer.subarray(start, textEnd);
    try {
      return { text: decoder.decode(bytes), bytes: next - start };
    } catch {
      // Off the hot path: only a bad line is scanned again, to say where it goes wrong.
      const index = firstInvalidUtf8(bytes);
      const invalid = { index, byte: bytes[index] ?? 0 };
      return { text: bytes.toString('utf8'), bytes: next - start, invalid };
    }
  }

  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#scan -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, 0, this.#end);
      this.#buffer = bigger;
    }
    const free = this.#buffer.length - this.#end;
    const { bytesRead } = await this.#file.read(this.#buffer, this.#end, free, this.#filePosition);
    if (bytesRead === 0) this.#eof = true;
    this.#end += bytesRead;
    this.#filePosition += bytesRead;
  }
}
