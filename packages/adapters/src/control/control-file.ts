import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The file in a data directory that says where its running flow listens for signals. */
export const CONTROL_FILE = 'CONTROL';

/**
 * What `CONTROL` holds while a run is going on (written by the run, read by `sluice signal`).
 * It is a pointer, never proof: a SIGKILLed run leaves it behind, so a reader checks the pid
 * and that the address answers.
 */
export interface ControlRecord {
  /** `@name` for a Linux abstract socket (as `ss -x` shows one), else a socket file path. */
  readonly address: string;
  readonly pid: number;
  readonly run: string;
  readonly flow: string;
  /** ISO time the endpoint opened. */
  readonly since: string;
  /**
   * Proof that a request comes from someone who can read the data directory: an abstract socket
   * has no file permissions, so any local user could connect; the file is owner-only (0600).
   */
  readonly token: string;
}

/**
 * How the endpoint listens.
 * - `'abstract'` (Linux default): an abstract unix socket named after the directory's device and
 *   inode, like the data directory's lock: no path-length limit, nothing left behind by a SIGKILL.
 * - `'file'` (default elsewhere): a socket file `control.sock` in the data directory, or, when that
 *   path is longer than a unix socket address takes, `sluice-<hash>.sock` in the temp directory.
 */
export type ControlSocketMethod = 'abstract' | 'file';

/** The default method of this platform. */
export function defaultSocketMethod(): ControlSocketMethod {
  return process.platform === 'linux' ? 'abstract' : 'file';
}

/** sun_path holds 104 bytes on macOS and 108 on Linux, its terminating NUL included; stay below both. */
const MAX_SOCKET_PATH = 100;

/**
 * The address the endpoint of data directory `dir` (an existing directory, resolved) listens on.
 * The same each time for one directory, so a restarted run reuses it.
 */
export function controlAddress(dir: string, method: ControlSocketMethod = defaultSocketMethod()): string {
  if (method === 'abstract') {
    const stats = statSync(dir, { bigint: true });
    return `@sluice-control-${digest(`${String(stats.dev)}:${String(stats.ino)}`).slice(0, 32)}`;
  }
  const inDir = join(dir, 'control.sock');
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
  return join(tmpdir(), `sluice-${digest(dir).slice(0, 16)}.sock`);
}

/** What node's `net` takes for an address: an abstract name starts with a NUL byte. */
export function socketPath(address: string): string {
  return address.startsWith('@') ? `\0${address.slice(1)}` : address;
}

/** Writes `CONTROL` in `dir` at once (a reader never sees half a file), readable by its owner only. */
export function writeControlRecord(dir: string, record: ControlRecord): void {
  const file = join(dir, CONTROL_FILE);
  const temporary = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** The record in `dir`'s `CONTROL`, or undefined when there is none or it is not one. */
export function readControlRecord(dir: string): ControlRecord | undefined {
  let parsed: Partial<Record<keyof ControlRecord, unknown>>;
  try {
    parsed = JSON.parse(readFileSync(join(dir, CONTROL_FILE), 'utf8')) as typeof parsed;
  } catch {
    return undefined;
  }
  const { address, pid, run, flow, since, token } = parsed;
  if (typeof address !== 'string' || typeof pid !== 'number' || typeof run !== 'string') return undefined;
  if (typeof flow !== 'string' || typeof since !== 'string' || typeof token !== 'string') return undefined;
  return { address, pid, run, flow, since, token };
}

/** Removes `dir`'s `CONTROL` if it still names run `run` (a later run's is left alone). */
export function removeControlRecord(dir: string, run: string): void {
  if (readControlRecord(dir)?.run === run) rmSync(join(dir, CONTROL_FILE), { force: true });
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
