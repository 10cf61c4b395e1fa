import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunResult, ScenarioSpec } from './scenario.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Runs one scenario in a child process (this process's Node options, so tsx and the
 * `development` condition apply, plus `extraArgs`, e.g. `--cpu-prof`) and resolves with what
 * it measured.
 */
export function runInChild(spec: ScenarioSpec, extraArgs: readonly string[]): Promise<RunResult> {
  return forkChild<RunResult>(CHILD, spec, extraArgs, describe(spec));
}

/**
 * Runs `script` (a bench file, given its spec as JSON in argv[2]) in a child process with
 * this process's Node options plus `extraArgs`, and resolves with the last message it sent,
 * once it exited cleanly.
 */
export function forkChild<TResult>(script: string, spec: unknown, extraArgs: readonly string[], name: string): Promise<TResult> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(spec)], {
      execArgv: [...process.execArgv, ...extraArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: TResult | undefined;
    child.on('message', (message) => {
      result = message as TResult;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`scenario ${name} exited with ${signal ?? String(code)}`));
    });
  });
}

/** A short name of a scenario for messages: `sluice-lmdb 3 stages 100000 @10000/s`. */
export function describe(spec: ScenarioSpec): string {
  const load = spec.rate === undefined ? `${String(spec.records)} records` : `${String(spec.records)} records @${String(spec.rate)}/s`;
  return `${spec.impl}, ${String(spec.stages)} stages, ${load}`;
}
