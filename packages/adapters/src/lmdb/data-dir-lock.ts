import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';
import { processAlive as isAlive } from '../process-alive.ts';

/** Who holds a data directory: written to its `LOCK` file for messages, never trusted as the lock. */
export interface DataDirLockHolder {
  readonly pid: number;
  /** ISO time the lock was taken. */
  readonly since: string;
  readonly host: string;
}

/** A data directory held by this process until {@link DataDirLock.release}, or until it dies. */
export interface DataDirLock {
  /** The data directory, resolved. */
  readonly path: string;
  readonly holder: DataDirLockHolder;
  /** Lets the directory go (idempotent) and removes the `LOCK` file if it is still ours. */
  release(): Promise<void>;
}

/**
 * How the lock is held.
 * - `'socket'` (Linux default): a listening abstract unix socket named after the directory's
 *   device and inode. Binding is atomic and the kernel releases it when the process dies, so a
 *   SIGKILL never leaves a stale lock. Abstract sockets live in a network namespace: two
 *   containers with their own namespaces sharing one volume do not see each other's lock.
 * - `'pid-file'` (default elsewhere): `LOCK` created with O_EXCL, holding the pid. Weaker: a
 *   file left by a dead process is taken over only after a liveness check (`kill(pid, 0)`), so
 *   a reused pid makes it look held (delete `LOCK` by hand), two starters taking over the same
 *   stale file at once can both win, and it means nothing across hosts on a shared file system.
 */
export type DataDirLockMethod = 'socket' | 'pid-file';

/** Options of {@link acquireDataDirLock}. */
export interface DataDirLockOptions {
  /** Defaults to `'socket'` on Linux, `'pid-file'` elsewhere. */
  readonly method?: DataDirLockMethod;
}

/** The info file (the whole lock with `'pid-file'`). */
export const LOCK_FILE = 'LOCK';

/**
 * Takes the exclusive lock of data directory `dir` (created if missing) for this process; it is
 * held until `release()` or the process's end and never keeps the process alive. Throws
 * SluiceError DATA_DIR_IN_USE, `data directory <path> is in use by pid N (since <ISO time>)`,
 * when another run holds it (this process's own runs included), and CONFIG when the directory
 * cannot be created or locked.
 */
export async function acquireDataDirLock(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new SluiceError(ErrorCode.Config, `data directory ${path}: cannot create it: ${errorMessage(error)}`, { cause: error });
  }
  const method = options.method ?? (process.platform === 'linux' ? 'socket' : 'pid-file');
  return method === 'socket' ? socketLock(path) : pidFileLock(path);
}

async function socketLock(path: string): Promise<DataDirLock> {
  const name = socketName(path);
  if (name === undefined) throw new SluiceError(ErrorCode.Config, `data directory ${path}: it vanished while being locked`);
  const server = createServer((connection) => connection.destroy());
  server.unref();
  try {
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      server.listen({ path: name, exclusive: true }, () => {
        server.off('error', failed);
        listening();
      });
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw await inUse(path);
    throw new SluiceError(ErrorCode.Config, `data directory ${path}: cannot lock it: ${errorMessage(error)}`, { cause: error });
  }
  // A listening server has nothing left to fail on; never let a late error crash the process.
  server.on('error', () => undefined);
  const holder = writeHolderFile(path);
  return held(path, holder, () => closeServer(server));
}

async function pidFileLock(path: string): Promise<DataDirLock> {
  const file = join(path, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SluiceError(ErrorCode.Config, `data directory ${path}: cannot lock it: ${errorMessage(error)}`, { cause: error });
      }
      const holder = readHolder(path);
      // A half-written file may be a starter between its open and its write: look again.
      if (holder === undefined && attempt < 2) await pause(50);
      else if (holder !== undefined && isAlive(holder.pid)) throw await inUse(path);
      else rmSync(file, { force: true });
      continue;
    }
    const holder = thisHolder();
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
    } finally {
      closeSync(fd);
    }
    return held(path, holder, () => Promise.resolve());
  }
  throw await inUse(path);
}

function held(path: string, holder: DataDirLockHolder, close: () => Promise<void>): DataDirLock {
  let released: Promise<void> | undefined;
  return {
    path,
    holder,
    release: () => {
      released ??= (async () => {
        // The file first: once the lock is free, the next holder's file must not be removed.
        const current = readHolder(path);
        if (current?.pid === holder.pid && current.since === holder.since) rmSync(join(path, LOCK_FILE), { force: true });
        await close();
      })();
      return released;
    },
  };
}

/** The socket's name: a hash of the directory's device and inode, so every spelling of it maps to one lock. */
function socketName(path: string): string | undefined {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  const digest = createHash('sha256').update(`${String(stats.dev)}:${String(stats.ino)}`).digest('hex');
  return `\0sluice-lock-${digest.slice(0, 32)}`;
}

/** Best effort: the file only feeds messages, and a full disk must not stop the lock from holding. */
function writeHolderFile(path: string): DataDirLockHolder {
  const holder = thisHolder();
  try {
    writeFileSync(join(path, LOCK_FILE), `${JSON.stringify(holder)}\n`);
  } catch {
    // the socket is the lock; the message just names no pid
  }
  return holder;
}

function thisHolder(): DataDirLockHolder {
  return { pid: process.pid, since: new Date().toISOString(), host: hostname() };
}

function readHolder(path: string): DataDirLockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(path, LOCK_FILE), 'utf8')) as Partial<DataDirLockHolder>;
    const { pid, since, host } = parsed;
    if (typeof pid !== 'number' || typeof since !== 'string' || typeof host !== 'string') return undefined;
    return { pid, since, host };
  } catch {
    return undefined;
  }
}

/**
 * The refusal. The holder writes its file right after it binds, so a missing file or one naming
 * a dead pid (left by a killed run) is read again for a moment before the message gives up on it.
 */
async function inUse(path: string): Promise<SluiceError> {
  let holder = readHolder(path);
  for (let tries = 0; tries < 10 && (holder === undefined || !isAlive(holder.pid)); tries += 1) {
    await pause(20);
    holder = readHolder(path);
  }
  const who = holder === undefined ? 'another process' : `pid ${holder.pid} (since ${holder.since})`;
  return new SluiceError(ErrorCode.DataDirInUse, `data directory ${path} is in use by ${who}`);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
