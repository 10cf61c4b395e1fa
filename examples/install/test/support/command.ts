import { spawn } from 'node:child_process';

/** What a finished child process left: its exit code (null when killed) and its output. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link command}: the working directory and variables added to the environment. */
export interface CommandOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The environment a user's shell would give a child: without what pnpm, mocha and tsx set for
 * this test process (npm_* and pnpm variables, NODE_OPTIONS, SLUICE_* configuration), so that
 * the installed packages are exercised as an app outside the workspace would run them.
 */
export function userEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|SLUICE_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A started child: its PID, the output so far, and its end. */
export interface StartedCommand {
  readonly pid: number;
  readonly output: () => CommandResult;
  readonly running: () => boolean;
  readonly ended: Promise<CommandResult>;
}

/** Starts `file args…` (its own process, no shell) and collects its output. */
export function start(file: string, args: readonly string[], options: CommandOptions): StartedCommand {
  const child = spawn(file, args, { cwd: options.cwd, env: userEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<CommandResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    pid: child.pid ?? -1,
    output: () => ({ code: child.exitCode, stdout, stderr }),
    running: () => child.exitCode === null && child.signalCode === null,
    ended,
  };
}

/** Runs `file args…` to its end and resolves with what it left; never rejects on a non-zero exit. */
export function command(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return start(file, args, options).ended;
}

/** Runs `file args…` and resolves with its stdout; rejects naming the command and its stderr unless it exits 0. */
export async function succeed(file: string, args: readonly string[], options: CommandOptions): Promise<string> {
  const result = await command(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${[file, ...args].join(' ')} (in ${options.cwd}) exited ${String(result.code)}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}
