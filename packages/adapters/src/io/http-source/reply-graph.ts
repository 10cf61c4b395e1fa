import { FlowDefinitionError, parseInputKey } from '@sluice/core';
import type { StoredDefinition } from '@sluice/runtime';

/** An edge between two stages on the way from the source to the reply sink. */
export interface ReplyEdge {
  /** The upstream journal. */
  readonly from: string;
  /** The consuming stage. */
  readonly to: string;
  /** The consumer's cursor key over `from` (`from`, or `from#port`). */
  readonly key: string;
  /** The route port read, if `from` is a route. */
  readonly port?: number;
}

/** The part of a flow that carries a request from the source to the sink that answers it. */
export interface ReplyGraph {
  readonly source: string;
  readonly sink: string;
  /** The journals to trace, upstreams first: the source, the stages between, the sink. */
  readonly journals: readonly string[];
  /** Every edge between two of `journals`. */
  readonly edges: readonly ReplyEdge[];
}

/**
 * The stages between `source` and the reply sink, from the flow definition stored with the
 * data directory (written before any stage opens). A sink is a stage no stage reads from.
 * Throws FlowDefinitionError naming the stage when `sink` is not in the flow, is not a sink,
 * or does not read (through any path) from `source`.
 */
export function replyGraph(definition: StoredDefinition, source: string, sink: string): ReplyGraph {
  const stages = definition.topology.map((stage) => ({
    name: stage.name,
    inputs: stage.inputs.map((key) => ({ key, ...parseInputKey(key) })),
  }));
  const where = `httpSource "${source}" of flow "${definition.name}"`;
  const target = stages.find((s) => s.name === sink);
  if (target === undefined) throw new FlowDefinitionError(`${where}: reply names stage "${sink}", which is not in the flow`, sink);
  const readers = stages.filter((s) => s.inputs.some((i) => i.upstream === sink)).map((s) => s.name);
  if (readers.length > 0) {
    throw new FlowDefinitionError(`${where}: reply names stage "${sink}", which is not a sink (${readers.join(', ')} read it)`, sink);
  }
  // Ancestors of the sink, then those of them that descend from the source.
  const byName = new Map(stages.map((s) => [s.name, s]));
  const ancestors = new Set<string>([sink]);
  const stack = [sink];
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    for (const input of byName.get(name)?.inputs ?? []) {
      if (ancestors.has(input.upstream)) continue;
      ancestors.add(input.upstream);
      stack.push(input.upstream);
    }
  }
  if (!ancestors.has(source)) {
    throw new FlowDefinitionError(`${where}: reply names stage "${sink}", which does not read from "${source}"`, sink);
  }
  const onPath = new Set<string>([source]);
  // The stored topology is in topological order, upstreams first.
  for (const stage of stages) {
    if (ancestors.has(stage.name) && stage.inputs.some((i) => onPath.has(i.upstream))) onPath.add(stage.name);
  }
  const journals = stages.map((s) => s.name).filter((name) => onPath.has(name));
  const edges: ReplyEdge[] = [];
  for (const stage of stages) {
    if (!onPath.has(stage.name)) continue;
    for (const input of stage.inputs) {
      if (!onPath.has(input.upstream)) continue;
      edges.push({ from: input.upstream, to: stage.name, key: input.key, ...(input.port === undefined ? {} : { port: input.port }) });
    }
  }
  return { source, sink, journals, edges };
}
