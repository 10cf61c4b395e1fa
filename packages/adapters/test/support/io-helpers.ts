import { afterEach, beforeEach } from 'mocha';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageContext } from '@sluice/core';

/** A StageContext for driving a handler directly, without a runtime. */
export function stageContext(stage = 'test-stage'): StageContext {
  return { flow: 'test-flow', stage, signal: new AbortController().signal };
}

/**
 * Registers mocha hooks that create a fresh temporary directory before each test and remove
 * it after; the returned function gives the current directory.
 */
export function useTempDir(prefix = 'sluice-io-'): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: no directory outside a test');
    return dir;
  };
}
