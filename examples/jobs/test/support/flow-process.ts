import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The `sluice` bin of the workspace's @sluice/adapters (the few lines of its cli-process test support, not imported across packages). */
export const SLUICE_BIN = fileURLToPath(new URL('../../node_modules/@sluice/adapters/bin/sluice.js', import.meta.url));

/** The example's flow file. */
export const FLOW = fileURLToPath(new URL('../../flow.ts', import.meta.url));

/** A running flow and what it printed so far. */
export interface FlowProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null after a signal) when the process exits. */
  readonly exited: Promise<number | null>;
}

/** Starts `sluice run flow.ts --data-dir <dataDir>` with `env` added and no SLUICE_* variables of the test process. */
export function startFlow(dataDir: string, env: Readonly<Record<string, string>>): FlowProcess {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('SLUICE_')) clean[name] = value;
  }
  const child = spawn(process.execPath, [SLUICE_BIN, 'run', FLOW, '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** A port that was free a moment ago: bound on 127.0.0.1 port 0, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` every 50 ms until it returns true; rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
