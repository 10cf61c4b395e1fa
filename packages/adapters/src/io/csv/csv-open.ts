import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import {
  ErrorCode,
  JournalCorruptError,
  TerminalError,
  type StageContext,
} from '@sluice/core';
import { openAtPosition } from '../json-lines-position.ts';
import { CsvRecordReader, describeProblem, type CsvRecord } from './csv-records.ts';

/**
 * Where a CSV source resumes: the byte offset of the next unread record (always a record
 * boundary, never inside a quoted line break), its line number, and a fingerprint of the
 * header row, so that a resume against a file whose header changed fails instead of
 * mislabelling columns.
 */
export interface CsvPosition {
  /** Byte offset of the next unread record. */
  readonly offset: number;
  /** 1-based line the next unread record starts on. */
  readonly line: number;
  /** Fingerprint of the header row the position was read under. */
  readonly header: string;
}

/** An opened CSV file: its handle, header names, and where its data resume. */
export interface OpenedCsv {
  readonly file: FileHandle;
  readonly names: readonly string[];
  readonly start: CsvPosition;
}

/**
 * Opens a CSV file at a committed position (or at its first data row), reading and checking
 * its header row. Throws a TerminalError naming the file when it is missing, empty, or its
 * header is malformed or has a duplicate column; a JournalCorruptError when the position no
 * longer fits the file (past its end, not at a line start, or under a different header).
 */
export async function openCsv(
  path: string,
  position: CsvPosition | undefined,
  delimiter: string,
  context: StageContext,
): Promise<OpenedCsv> {
  const file = await relabelled(() => openAtPosition(path, position ?? { offset: 0, line: 1 }, context));
  try {
    const header = await new CsvRecordReader(file, { offset: 0, line: 1 }, delimiter).next();
    const names = headerNames(path, header, context);
    const fingerprint = fingerprintOf(header?.text ?? '');
    const first = { offset: header?.bytes ?? 0, line: 1 + (header?.lines ?? 0), header: fingerprint };
    if (position === undefined) return { file, names, start: first };
    if (position.header !== fingerprint || position.offset < first.offset) {
      const message = `csvSource(${path}): the header row changed since position ${position.offset} (line ${position.line}) was committed; was the file replaced?`;
      throw new JournalCorruptError(message, { stage: context.stage });
    }
    return { file, names, start: position };
  } catch (error) {
    await file.close();
    throw error;
  }
}

function headerNames(path: string, header: CsvRecord | undefined, context: StageContext): string[] {
  const fail = (reason: string): never => {
    throw new TerminalError(ErrorCode.Config, `csvSource(${path}): ${reason}`, { stage: context.stage });
  };
  if (header === undefined) return fail('no header row (the file is empty)');
  if (header.problem !== undefined) {
    return fail(`malformed header row: ${describeProblem(header.problem)}`);
  }
  const seen = new Map<string, number>();
  for (const [index, name] of header.fields.entries()) {
    const before = seen.get(name);
    if (before !== undefined) {
      fail(`duplicate header column ${JSON.stringify(name)} (fields ${before + 1} and ${index + 1})`);
    }
    seen.set(name, index);
  }
  return header.fields;
}

function fingerprintOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** The shared opener names jsonLinesSource in its messages; a CSV user should read csvSource. */
async function relabelled<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof TerminalError) || !error.message.startsWith('jsonLinesSource')) throw error;
    const message = error.message.replace(/^jsonLinesSource/, 'csvSource');
    const context = { cause: error, ...(error.stage === undefined ? {} : { stage: error.stage }) };
    throw error instanceof JournalCorruptError
      ? new JournalCorruptError(message, context)
      : new TerminalError(error.code, message, context);
  }
}
