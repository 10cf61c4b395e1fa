import { dirname } from 'node:path';
import type { Flow, SinkHandler } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import { run as runLocal } from '../../src/run-local.ts';

export { arraySource } from '../../src/index.ts';

/** Runs `flow` on LMDB in `dataDir`, silent and without config file or SLUICE_* variables; the handle. */
export function run(flow: Flow, dataDir: string): PipelineHandle {
  return runLocal(flow, { dataDir, logLevel: 'silent', config: { cwd: dirname(dataDir), env: {}, file: false } });
}

/** A sink that keeps nothing: for flows whose journals are what the test reads. */
export function collectingSink<T>(): SinkHandler<T, number> {
  let count = 0;
  return { open: () => ({ write: (values) => (count += values.length) }) };
}
