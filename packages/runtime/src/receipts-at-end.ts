import { formatInputKey, type JournalStore, type StageNode, type StageNotice } from '@sluice/core';
import { checkEdges, type CheckedTopology, type EdgeCheckResult } from './receipts-check.ts';

/** The notice kind of the check a sink runs at its EOF (a `stage.notice` in the activity log). */
export const EDGES_CHECKED = 'edges.checked';

/**
 * The edge check a sink runs once its EOF is committed: the edges into it and into every stage
 * upstream of it (each of them has ended before it, so each cursor must be at its upstream's
 * end) and its own receipts. Every sink checks its part, so together they check the flow. The
 * result is a notice for the activity log; a store error is reported as a violation, never thrown.
 */
export async function checkAtEnd(store: JournalStore, sink: StageNode): Promise<{ readonly notice: StageNotice; readonly result: EdgeCheckResult }> {
  const topology = upstreamOf(sink);
  let result: EdgeCheckResult;
  try {
    result = await checkEdges(store, topology, { stages: new Set(topology.map((n) => n.name)) });
  } catch (error) {
    result = { edges: [], violations: [`the check could not read the journals: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const { edges, violations } = result;
  const receipts = edges.reduce((n, e) => n + (e.receipts?.inputs ?? 0), 0);
  const message =
    violations.length === 0
      ? `edges checked: ${String(edges.length)} edge${edges.length === 1 ? '' : 's'} read to their end, ${String(receipts)} input${receipts === 1 ? '' : 's'} of "${sink.name}" with one receipt each`
      : `edges checked: ${String(violations.length)} violation${violations.length === 1 ? '' : 's'}: ${violations.join('; ')}`;
  const notice: StageNotice = { kind: EDGES_CHECKED, message, details: { edges: edges.length, receipts, violations } };
  return { notice, result };
}

/** `sink` and every stage upstream of it, as a stored definition would list them. */
function upstreamOf(sink: StageNode): CheckedTopology {
  const seen = new Map<string, CheckedTopology[number]>();
  const visit = (node: StageNode): void => {
    if (seen.has(node.name)) return;
    seen.set(node.name, { name: node.name, kind: node.kind, inputs: node.inputs.map((e) => formatInputKey(e.from.name, e.port)) });
    for (const edge of node.inputs) visit(edge.from);
  };
  visit(sink);
  return [...seen.values()];
}
