import { flatMapKind, mapKind, type FlatMapSpec, type MapSpec, type StageNode } from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { isPromise, stateless, type Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/** A 1:1 transform (and a merge): one output per input, sync or async. */
export function mapProcessor(node: StageNode<MapSpec>): Processor {
  const { fn } = node.spec;
  return stateless((input, upstream, out, _index, steps) => {
    const cause = { stage: upstream, seq: input.seq };
    const result = fn(input.payload, input, steps.context(cause));
    if (isPromise(result)) return result.then((value) => out.emit(value, cause));
    out.emit(result, cause);
    return undefined;
  });
}

/** A 1:N transform: every value of the returned iterable, in order. */
export function flatMapProcessor(node: StageNode<FlatMapSpec>): Processor {
  const { fn } = node.spec;
  const emitAll = (values: Iterable<unknown>, out: BatchOutput, upstream: string, seq: number): void => {
    for (const value of values) out.emit(value, { stage: upstream, seq });
  };
  return stateless((input, upstream, out, _index, steps) => {
    const result = fn(input.payload, input, steps.context({ stage: upstream, seq: input.seq }));
    if (isPromise(result)) return result.then((values) => emitAll(values, out, upstream, input.seq));
    emitAll(result, out, upstream, input.seq);
    return undefined;
  });
}

registerStageProcessor(mapKind, mapProcessor);
registerStageProcessor(flatMapKind, flatMapProcessor);
