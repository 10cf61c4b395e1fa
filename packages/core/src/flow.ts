import type { SinkRef } from './dsl.ts';
import { FlowDefinitionError } from './errors.ts';
import { validateGraph, type GraphNode } from './graph.ts';
import { formatInputKey } from './input-key.ts';
import type { StageNode } from './stage-node.ts';

/** A validated flow: its stages in topological order and who reads whom. */
export interface Flow {
  readonly name: string;
  /** Stages with upstreams first. */
  readonly stages: readonly StageNode[];
  /** A stable hash of the topology (names, kinds, edges); it changes when a stage is added, removed or renamed. */
  readonly definitionHash: string;
}

/**
 * Builds a flow from its sinks, collecting every stage they read from, and validates it:
 * duplicate names, cycles and dangling stages throw FlowDefinitionError naming the stage.
 */
export function flow(name: string, sinks: readonly SinkRef[]): Flow {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) {
    throw new FlowDefinitionError(`flow name "${name}" is invalid: use letters, digits, '.', '_' or '-'`);
  }
  if (sinks.length === 0) throw new FlowDefinitionError(`flow "${name}" has no sink`);
  const nodes = collect(name, sinks.map((s) => s.sink));
  for (const node of nodes) {
    // Each kind checks its own nodes; the graph checks below are the same for every kind.
    const [problem] = node.type.validate?.(node) ?? [];
    if (problem !== undefined) throw problem;
  }
  const graph = nodes.map(toGraphNode);
  const order = validateGraph(name, graph);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const stages = order.map((stage) => byName.get(stage)).filter((n) => n !== undefined);
  for (const node of stages) {
    const [problem] = node.type.validateInFlow?.(node, { name, stages }) ?? [];
    if (problem !== undefined) throw problem;
  }
  return { name, stages, definitionHash: hashGraph(name, graph) };
}

function collect(flowName: string, roots: readonly StageNode[]): readonly StageNode[] {
  const seen = new Map<string, StageNode>();
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    const known = seen.get(node.name);
    if (known === node) continue;
    if (known !== undefined) {
      throw new FlowDefinitionError(
        `flow "${flowName}": two stages are named "${node.name}"; stage names must be unique`,
        node.name,
      );
    }
    seen.set(node.name, node);
    for (const input of node.inputs) stack.push(input.from);
  }
  return [...seen.values()];
}

function toGraphNode(node: StageNode): GraphNode {
  const inputs = node.inputs.map((e) =>
    e.port === undefined ? { stage: e.from.name } : { stage: e.from.name, port: e.port },
  );
  return { name: node.name, kind: node.kind, inputs, ports: node.type.ports(node), source: node.type.source === true };
}

/**
 * FNV-1a over a canonical description of the graph; pure, so core needs no crypto. Stored data
 * directories hold this hash: keep the canonical form (name, kind, ports, inputs) unchanged.
 */
function hashGraph(name: string, graph: readonly GraphNode[]): string {
  const canonical = [...graph]
    .map((n) => `${n.name}:${n.kind}:${String(n.ports)}<${n.inputs.map((i) => formatInputKey(i.stage, i.port ?? 0)).join(',')}`)
    .sort()
    .join('|');
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`${name}|${canonical}`)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  }
  return hash.toString(16).padStart(16, '0');
}
