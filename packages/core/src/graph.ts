import { FlowDefinitionError } from './errors.ts';
import { formatInputKey } from './input-key.ts';

/** A stage reduced to what graph validation needs. */
export interface GraphNode {
  readonly name: string;
  readonly kind: string;
  /** Upstream names, with the port read from a route as `name#port`. */
  readonly inputs: readonly { readonly stage: string; readonly port?: number }[];
  /** Outputs a route offers; 1 for other non-sink stages, 0 for sinks. */
  readonly ports: number;
  /** True for a stage that reads from outside the flow (no upstream); defaults to `kind === 'source'`. */
  readonly source?: boolean;
}

const isSource = (node: GraphNode): boolean => node.source ?? node.kind === 'source';

/**
 * Checks a graph before anything runs; throws FlowDefinitionError naming the stage for an
 * unknown upstream, a cycle, a stage or route port nobody reads, or a flow without a source.
 * Returns the stage names in topological order (upstreams first).
 */
export function validateGraph(flow: string, nodes: readonly GraphNode[]): readonly string[] {
  const byName = new Map<string, GraphNode>();
  for (const node of nodes) {
    if (byName.has(node.name)) {
      throw new FlowDefinitionError(
        `flow "${flow}": two stages are named "${node.name}"; stage names must be unique`,
        node.name,
      );
    }
    byName.set(node.name, node);
  }
  const read = new Set<string>();
  for (const node of nodes) {
    if (!isSource(node) && node.inputs.length === 0) {
      throw new FlowDefinitionError(`flow "${flow}": stage "${node.name}" has no upstream`, node.name);
    }
    if (isSource(node) && node.inputs.length > 0) {
      throw new FlowDefinitionError(`flow "${flow}": source "${node.name}" reads from outside the flow; it takes no upstream`, node.name);
    }
    for (const input of node.inputs) {
      const upstream = byName.get(input.stage);
      if (upstream === undefined) {
        throw new FlowDefinitionError(
          `flow "${flow}": stage "${node.name}" reads "${input.stage}", which is not in the flow`,
          node.name,
        );
      }
      if (upstream.ports === 0) {
        throw new FlowDefinitionError(
          `flow "${flow}": stage "${node.name}" reads sink "${input.stage}", which has no output`,
          node.name,
        );
      }
      read.add(formatInputKey(input.stage, input.port ?? 0));
    }
  }
  for (const node of nodes) {
    for (let port = 0; port < node.ports; port++) {
      if (!read.has(formatInputKey(node.name, port))) {
        const what = node.ports > 1 ? `port ${String(port)} of ${node.kind} "${node.name}"` : `stage "${node.name}"`;
        throw new FlowDefinitionError(
          `flow "${flow}": ${what} is dangling: nothing reads its output (end the path with a sink)`,
          node.name,
        );
      }
    }
  }
  if (!nodes.some(isSource)) {
    throw new FlowDefinitionError(`flow "${flow}" has no source`);
  }
  return topologicalOrder(flow, nodes);
}

function topologicalOrder(flow: string, nodes: readonly GraphNode[]): readonly string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const visit = (node: GraphNode, path: readonly string[]): void => {
    const seen = state.get(node.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(node.name)), node.name].join(' → ');
      throw new FlowDefinitionError(
        `flow "${flow}": stage "${node.name}" is in a cycle: ${cycle}`,
        node.name,
      );
    }
    state.set(node.name, 'visiting');
    for (const input of node.inputs) {
      const upstream = byName.get(input.stage);
      if (upstream !== undefined) visit(upstream, [...path, node.name]);
    }
    state.set(node.name, 'done');
    order.push(node.name);
  };
  for (const node of nodes) visit(node, []);
  return order;
}
