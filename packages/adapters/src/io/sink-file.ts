import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, JournalCorruptError, TerminalError } from '@sluice/core';

/** What a JSON Lines sink has durably written: the file's length and its line count. */
export interface JsonLinesSinkPosition {
  /** Length of the file in bytes. */
  readonly bytes: number;
  /** Lines (values) in the file. */
  readonly lines: number;
}

/** How to open a sink file: the stage (for errors) and whether to fsync. */
export interface SinkFileOptions {
  readonly stage: string;
  readonly sync: boolean;
}

/**
 * Opens (creating it and its directories when missing) a sink file for writing and cuts it
 * back to the committed length. Throws a JournalCorruptError naming the path and both
 * lengths when the file is shorter than committed, a TerminalError when the position is
 * malformed or the file cannot be opened.
 */
export async function openSinkFile(
  path: string,
  position: JsonLinesSinkPosition,
  options: SinkFileOptions,
): Promise<FileHandle> {
  const { bytes, lines } = position;
  if (!Number.isSafeInteger(bytes) || bytes < 0 || !Number.isSafeInteger(lines) || lines < 0) {
    const message = `jsonLinesSink(${path}): invalid position ${JSON.stringify(position)}`;
    throw new JournalCorruptError(message, { stage: options.stage });
  }
  const file = await openOrCreate(path, options);
  try {
    const { size } = await file.stat();
    if (size < bytes) {
      const message = `jsonLinesSink(${path}): the file has ${size} bytes but ${bytes} were committed; it was truncated or replaced outside Sluice and committed output is lost`;
      throw new JournalCorruptError(message, { stage: options.stage });
    }
    if (size > bytes) {
      await file.truncate(bytes);
      if (options.sync) await file.datasync();
    }
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

async function openOrCreate(path: string, options: SinkFileOptions): Promise<FileHandle> {
  try {
    return (await openExisting(path)) ?? (await createFile(path, options.sync));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    const message = `jsonLinesSink: cannot open file (${code}): ${path}`;
    throw new TerminalError(ErrorCode.Config, message, { stage: options.stage, cause });
  }
}

async function openExisting(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, constants.O_WRONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function createFile(path: string, sync: boolean): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, constants.O_WRONLY | constants.O_CREAT);
  try {
    if (sync) await syncDirectory(dirname(path));
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Makes a new directory entry durable; platforms that cannot fsync a directory skip it. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
