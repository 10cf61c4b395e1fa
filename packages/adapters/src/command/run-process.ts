import { spawn } from 'node:child_process';
import type { Clock, TimerId } from '@sluice/core';
import type { CommandInvocation, CommandSettings } from './command-kind.ts';
import { OutputCollector, type CommandExit, type CommandLine } from './command-output.ts';
import { processStartTime, signalGroup as signalGroupOrThrow, type ProcessIdentity } from './process-group.ts';

/** One process to run and what it runs under. */
export interface ProcessRun {
  readonly invocation: CommandInvocation;
  readonly settings: CommandSettings;
  readonly clock: Clock;
  /** Aborting it cancels the process: its group is killed. */
  readonly signal: AbortSignal;
  /** Added to the environment after the invocation's own. */
  readonly env: Readonly<Record<string, string>>;
  /** Called once the process runs; the result waits for its promise (a rejection kills the group). */
  readonly onStarted: (identity: ProcessIdentity) => Promise<void>;
}

/** What a process wrote (bounded) and how it ended. */
export interface ProcessResult {
  readonly lines: readonly CommandLine[];
  readonly exit: CommandExit;
  /** The last lines of stderr, for an error message. */
  readonly stderrTail: readonly string[];
}

type KillReason = 'timeout' | 'cancel' | 'leftover';

/** Signals a group from a timer or an event, where a throw would crash the flow: a refused signal (EPERM) changes nothing. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    return signalGroupOrThrow(pgid, signal);
  } catch {
    return false;
  }
}

/**
 * Runs one process as the leader of its own process group (`detached`), collecting its output
 * until every stream closed. A timeout or an abort kills the whole group: SIGTERM, then SIGKILL
 * after `killGraceMs`, both on the run's clock. What the leader leaves running in its group
 * when it exits is killed the same way, so that no process outlives its input. Rejects with
 * the spawn error (ENOENT for a program not found) when nothing could be started.
 */
export function runProcess(run: ProcessRun): Promise<ProcessResult> {
  const { invocation, settings, clock } = run;
  const startedAt = clock.now();
  const child = spawn(invocation.program, invocation.args ?? [], {
    ...(invocation.cwd === undefined ? {} : { cwd: invocation.cwd }),
    env: { ...process.env, ...invocation.env, ...run.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: invocation.shell === true,
  });
  const output = new OutputCollector(settings.maxOutputBytes);
  child.stdout.on('data', (chunk: Buffer) => output.push('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push('stderr', chunk));
  child.stdout.on('end', () => output.end('stdout'));
  child.stderr.on('end', () => output.end('stderr'));

  return new Promise<ProcessResult>((resolve, reject) => {
    let killing: KillReason | undefined;
    let started: Promise<void> = Promise.resolve();
    const timers: TimerId[] = [];
    const pgid = (): number | undefined => child.pid;
    const kill = (reason: KillReason): void => {
      const group = pgid();
      if (killing !== undefined || group === undefined) return;
      killing = reason;
      signalGroup(group, 'SIGTERM');
      timers.push(clock.setTimeout(() => signalGroup(group, 'SIGKILL'), settings.killGraceMs));
    };
    const cancel = (): void => kill('cancel');
    const cleanUp = (): void => {
      for (const timer of timers) clock.clearTimeout(timer);
      run.signal.removeEventListener('abort', cancel);
    };
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) return;
      started = run.onStarted({ pid, pgid: pid, startTime: processStartTime(pid) }).catch((error: unknown) => {
        // Not journaled as running, so no recovery would find it: it must not run on.
        kill('cancel');
        throw error;
      });
      if (settings.timeoutMs !== undefined) timers.push(clock.setTimeout(() => kill('timeout'), settings.timeoutMs));
      if (run.signal.aborted) cancel();
      else run.signal.addEventListener('abort', cancel, { once: true });
    });
    child.on('error', (error) => {
      // Only a spawn failure ends the run here; a failed kill surfaces as the exit it caused.
      if (child.pid !== undefined) return;
      cleanUp();
      reject(error);
    });
    child.once('exit', () => {
      const group = pgid();
      if (killing === undefined && group !== undefined && signalGroup(group, 0)) kill('leftover');
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      const group = pgid();
      // The leader is gone: whatever of its group is left over is killed now, not after the grace.
      if (killing !== undefined && group !== undefined) signalGroup(group, 'SIGKILL');
      const exit: CommandExit = {
        type: 'exit',
        code,
        signal,
        durationMs: clock.now() - startedAt,
        timedOut: killing === 'timeout',
        cancelled: killing === 'cancel',
        ...(output.droppedBytes > 0 ? { truncated: true as const, droppedBytes: output.droppedBytes } : {}),
      };
      started.then(() => resolve({ lines: output.lines, exit, stderrTail: output.lastStderr(5) }), reject);
    });
  });
}
