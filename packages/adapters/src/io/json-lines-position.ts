import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
  /**
   * With `follow`: the inode of the file the offset is in (decimal), so that a restart after a
   * rotation resumes in the right file. Absent without `follow`.
   */
  readonly inode?: string;
}

/** A followed file, opened where reading resumes. */
export interface FollowedFile {
  readonly file: FileHandle;
  readonly inode: string;
  readonly start: JsonLinesPosition;
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

/**
 * Opens the file of a followed source where the committed position says: the file at `path`
 * when it is the one the position names (or the position names none), else the rotated file
 * beside it that still has that inode, else (noted `source.file-gone`) the file at `path` from
 * 0. A file shorter than the offset was truncated: read again from 0, noted `source.truncated`.
 * Throws as {@link openAtPosition} does.
 */
export async function openFollowed(
  path: string,
  position: JsonLinesPosition | undefined,
  context: StageContext,
): Promise<FollowedFile> {
  const start = position ?? { offset: 0, line: 1 };
  const wanted = position?.inode;
  let where = path;
  if (wanted !== undefined && (await inodeAt(path)) !== wanted) {
    const sibling = await siblingWithInode(path, wanted);
    if (sibling === undefined) {
      const message = `jsonLinesSource(${path}): the file of the committed position (inode ${wanted}) is gone; reading ${path} from the start`;
      context.note?.({ kind: 'source.file-gone', message, details: { path, inode: wanted } });
      return openFollowedAt(path, path, { offset: 0, line: 1 }, context);
    }
    where = sibling;
  }
  return openFollowedAt(path, where, start, context);
}

async function openFollowedAt(
  path: string,
  where: string,
  start: JsonLinesPosition,
  context: StageContext,
): Promise<FollowedFile> {
  const file = await openForReading(where, context);
  try {
    const inode = await inodeOf(file);
    const { size } = await file.stat();
    if (start.offset > size) {
      noteTruncated(context, path, start.offset, size);
      return { file, inode, start: { offset: 0, line: 1, inode } };
    }
    await checkLineStart(file, path, start.offset, context);
    return { file, inode, start: { offset: start.offset, line: start.line, inode } };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Records that a followed file got shorter than what was read of it, so it is read again from 0. */
export function noteTruncated(context: StageContext, path: string, offset: number, size: number): void {
  const message = `jsonLinesSource(${path}): the file was truncated (${String(size)} bytes, position ${String(offset)}); reading it again from the start`;
  context.note?.({ kind: 'source.truncated', message, details: { path, offset, size } });
}

/** The inode of an open file, as a decimal string (a bigint stat: inodes may pass 2^53). */
export async function inodeOf(file: FileHandle): Promise<string> {
  return (await file.stat({ bigint: true })).ino.toString();
}

/** The inode of the file at `path` now, or undefined when there is none. */
export async function inodeAt(path: string): Promise<string | undefined> {
  try {
    return (await stat(path, { bigint: true })).ino.toString();
  } catch {
    return undefined;
  }
}

/** A file beside `path` that holds `inode` (where rotation renamed it, e.g. `app.log.1`). */
async function siblingWithInode(path: string, inode: string): Promise<string | undefined> {
  const dir = dirname(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name === basename(path)) continue;
    const candidate = join(dir, name);
    if ((await inodeAt(candidate)) === inode) return candidate;
  }
  return undefined;
}

/** Opens a file to read, throwing a TerminalError naming the path when it cannot be opened. */
export async function openForReading(path: string, context: StageContext): Promise<FileHandle> {
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
