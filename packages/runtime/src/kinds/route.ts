import { routeKind, type RouteSpec, type StageNode } from '@sluice/core';
import { stateless, type Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/** Exclusive choice: each input to the one port `select` returns; out of range throws (error lane). */
export function routeProcessor(node: StageNode<RouteSpec>): Processor {
  const { select, ports } = node.spec;
  return stateless((input, upstream, out) => {
    const port = select(input.payload);
    if (!Number.isInteger(port) || port < 0 || port >= ports) {
      throw new RangeError(
        `route "${node.name}" selected port ${String(port)}; ports are 0..${String(ports - 1)}`,
      );
    }
    out.emit(input.payload, { stage: upstream, seq: input.seq }, port);
  });
}

registerStageProcessor(routeKind, routeProcessor);
