import type { StageNode } from '@sluice/core';
import './kinds/builtin.ts';
import { kindRunner } from './kinds/registry.ts';
import { ProcessRunner } from './process-runner.ts';
import type { RunnerDeps, StageRunner } from './stage-runner.ts';

/**
 * The runner for a stage, by the runner its kind registered (the built-in kinds register
 * theirs in kinds/). Throws FlowDefinitionError naming the stage and kind when none is.
 */
export function createRunner(node: StageNode, deps: RunnerDeps): StageRunner {
  const entry = kindRunner(node);
  return 'runner' in entry ? entry.runner(node, deps) : new ProcessRunner(node, deps);
}
