import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `sluice` bin script. */
export const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

/** A test fixture file by name. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** Options of {@link runSluice} and {@link startSluice}. */
export interface SluiceProcessOptions {
  readonly cwd: string;
  /** Added to the environment, which has no SLUICE_* variables of the test process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process after this long (default 30 s). */
  readonly timeoutMs?: number;
}

/** How a finished process ended and what it printed. */
export interface SluiceResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `sluice` process and its output so far. */
export interface SluiceProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  readonly exited: Promise<SluiceResult>;
}

/** Starts `node bin/sluice.js …args` with a clean `SLUICE_*` environment. */
export function startSluice(args: readonly string[], options: SluiceProcessOptions): SluiceProcess {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('SLUICE_')) env[name] = value;
  }
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<SluiceResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `sluice …args` to its end. */
export function runSluice(args: readonly string[], options: SluiceProcessOptions): Promise<SluiceResult> {
  return startSluice(args, options).exited;
}

/** Polls `check` every 20 ms until it returns true; rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
