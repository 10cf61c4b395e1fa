import type { SinkHandler } from '../handlers.ts';
import type { StageType } from '../stage-node.ts';
import { defineStageKind, inputCount } from './define.ts';

/** A sink's settings: the handler that delivers outside the flow. */
export interface SinkSpec {
  readonly handler: SinkHandler<unknown>;
}

/** The sink kind: one upstream, no output. */
export const sinkKind: StageType<SinkSpec> = defineStageKind<SinkSpec>({
  name: 'sink',
  ports: () => 0,
  validate: (node) => inputCount(node, 1, 1),
});
