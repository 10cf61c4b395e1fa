import type { StageNode } from '@sluice/core';
import { ProcessRunner } from './process-runner.ts';
import { SinkRunner } from './sink-runner.ts';
import { SourceRunner } from './source-runner.ts';
import type { RunnerDeps, StageRunner } from './stage-runner.ts';

/** The runner for a stage, by its kind. */
export function createRunner(node: StageNode, deps: RunnerDeps): StageRunner {
  switch (node.kind) {
    case 'source':
      return new SourceRunner(node, deps);
    case 'sink':
      return new SinkRunner(node, deps);
    case 'map':
    case 'flatMap':
    case 'route':
    case 'stateful':
    case 'join':
    case 'first':
      return new ProcessRunner(node, deps);
  }
}
