import { sinkKind, sourceKind } from '@sluice/core';
import { SinkRunner } from '../sink-runner.ts';
import { SourceRunner } from '../source-runner.ts';
import { registerStageRunner } from './registry.ts';

// Sources and sinks have runners of their own: they read from, or deliver to, outside the flow.
registerStageRunner(sourceKind, (node, deps) => new SourceRunner(node, deps));
registerStageRunner(sinkKind, (node, deps) => new SinkRunner(node, deps));
