import { readFileSync } from 'node:fs';
import { sleep, type Clock } from '@sluice/core';

/** What identifies a running process beyond its pid, which the OS reuses. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Its process group: the pid itself, for a process spawned as a group leader. */
  readonly pgid: number;
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks after boot); undefined where there is no /proc. */
  readonly startTime: string | undefined;
}

interface Stat {
  readonly state: string;
  readonly startTime: string;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 3 (state) is the first after the last ')'; field 22 (starttime) the 20th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, startTime] = [fields[0], fields[19]];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

/** The start time of process `pid` (see {@link ProcessIdentity}); undefined when unknown. */
export function processStartTime(pid: number): string | undefined {
  return stat(pid)?.startTime;
}

/**
 * True when the process journaled as `identity` still runs: the pid exists, is no zombie, and
 * started when the journaled one did (a reused pid starts later). Without /proc nothing can
 * be told apart: false.
 */
export function isSameProcess(identity: ProcessIdentity): boolean {
  if (identity.startTime === undefined) return false;
  const now = stat(identity.pid);
  return now !== undefined && now.state !== 'Z' && now.startTime === identity.startTime;
}

/**
 * True when the orphan's group may still have processes. A group id is the pid of its leader,
 * and Linux hands out no pid while a group still uses it: if the leader's pid now names a
 * process that started at another time, the orphan's group is gone; if it names none, the
 * leader ended but what it started may remain in the group, which no other group can be.
 */
function groupMayRemain(identity: ProcessIdentity): boolean {
  if (identity.startTime === undefined || stat(process.pid) === undefined) return false;
  const now = stat(identity.pid);
  return now === undefined || now.startTime === identity.startTime;
}

/** Sends `signal` to every process of group `pgid`; false when the group has none left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Kills the process group of an orphan, a process a crashed run left behind: SIGTERM, then
 * SIGKILL once `graceMs` passed without its leader ending (polled on `clock`). Resolves true
 * when something was killed.
 */
export async function killOrphanGroup(identity: ProcessIdentity, clock: Clock, graceMs: number): Promise<boolean> {
  if (!groupMayRemain(identity)) return false;
  if (!signalGroup(identity.pgid, 'SIGTERM')) return false;
  for (let waited = 0; waited < graceMs && isSameProcess(identity); waited += 20) await sleep(clock, 20);
  // Members that ignored SIGTERM, or that the leader left behind when it ended.
  signalGroup(identity.pgid, 'SIGKILL');
  return true;
}
