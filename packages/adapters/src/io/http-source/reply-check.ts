import { FlowDefinitionError, formatInputKey, type FlowShape } from '@sluice/core';
import { replyGraph } from './reply-graph.ts';

/**
 * The problem with `reply` naming `sink` for the source `stage` of `flow`, found when the flow
 * is defined: the same rules as at open (a sink of the flow that reads from the source).
 */
export function checkReply(stage: string, sink: string, flow: FlowShape): readonly FlowDefinitionError[] {
  const topology = flow.stages.map((s) => ({ name: s.name, kind: s.kind, inputs: s.inputs.map((e) => formatInputKey(e.from.name, e.port)) }));
  try {
    replyGraph({ name: flow.name, definitionHash: '', stages: topology.map((s) => s.name), topology }, stage, sink);
    return [];
  } catch (error) {
    if (error instanceof FlowDefinitionError) return [error];
    throw error;
  }
}
