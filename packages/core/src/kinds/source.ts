import type { SourceHandler } from '../handlers.ts';
import type { StageType } from '../stage-node.ts';
import { defineStageKind } from './define.ts';

/** A source's settings: the handler that reads from outside the flow. */
export interface SourceSpec {
  readonly handler: SourceHandler<unknown>;
}

/** The source kind: no upstream, one output. */
export const sourceKind: StageType<SourceSpec> = defineStageKind<SourceSpec>({
  name: 'source',
  source: true,
  ports: () => 1,
  // A source's handler may name other stages (the HTTP source's reply sink): it checks them.
  validateInFlow: (node, flow) => node.spec.handler.validateInFlow?.(node.name, flow) ?? [],
});
