import { open, type FileHandle } from 'node:fs/promises';
import {
  ErrorCode,
  JournalCorruptError,
  TerminalError,
  type StageContext,
} from '@sluice/core';

/** Where a JSON Lines source resumes: the byte offset of the next unread line and its number. */
export interface JsonLinesPosition {
  /** Byte offset of the next unread line. */
  readonly offset: number;
  /** 1-based number of the next unread line. */
  readonly line: number;
}

/**
 * Opens the file of a JSON Lines source for reading and checks that the committed position
 * still fits it (a line start within the file). Throws a TerminalError naming the path when
 * the file is missing or a directory, a JournalCorruptError when the position does not fit.
 */
export async function openAtPosition(
  path: string,
  position: JsonLinesPosition,
  context: StageContext,
): Promise<FileHandle> {
  const { offset, line } = position;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(line) || line < 1) {
    const message = `jsonLinesSource(${path}): invalid position ${JSON.stringify(position)}`;
    throw new JournalCorruptError(message, { stage: context.stage });
  }
  const file = await openForReading(path, context);
  try {
    await checkLineStart(file, path, offset, context);
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

async function openForReading(path: string, context: StageContext): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot open file (${code ?? 'error'})`;
    throw new TerminalError(ErrorCode.Config, `jsonLinesSource: ${reason}: ${path}`, {
      stage: context.stage,
      cause,
    });
  }
}

async function checkLineStart(
  file: FileHandle,
  path: string,
  offset: number,
  context: StageContext,
): Promise<void> {
  const stats = await file.stat();
  if (stats.isDirectory()) {
    const message = `jsonLinesSource: not a file but a directory: ${path}`;
    throw new TerminalError(ErrorCode.Config, message, { stage: context.stage });
  }
  const { size } = stats;
  if (offset > size) {
    const message = `jsonLinesSource(${path}): committed offset ${offset} is past the end of the file (${size} bytes); was it truncated or replaced?`;
    throw new JournalCorruptError(message, { stage: context.stage });
  }
  if (offset === 0 || offset === size) return;
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, offset - 1);
  if (byte[0] !== 0x0a) {
    const message = `jsonLinesSource(${path}): committed offset ${offset} is not at the start of a line; did the file change?`;
    throw new JournalCorruptError(message, { stage: context.stage });
  }
}
