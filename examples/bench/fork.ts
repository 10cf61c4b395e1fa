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
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(spec)], {
      execArgv: [...process.execArgv, ...extraArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: RunResult | undefined;
    child.on('message', (message) => {
      result = message as RunResult;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`scenario ${describe(spec)} exited with ${signal ?? String(code)}`));
    });
  });
}

/** A short name of a scenario for messages: `sluice-lmdb 3 stages 100000 @10000/s`. */
export function describe(spec: ScenarioSpec): string {
  const load = spec.rate === undefined ? `${String(spec.records)} records` : `${String(spec.records)} records @${String(spec.rate)}/s`;
  return `${spec.impl}, ${String(spec.stages)} stages, ${load}`;
}
