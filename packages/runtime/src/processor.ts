import type { JournalRecord, StageNode } from '@sluice/core';
import type { BatchOutput } from './batch-output.ts';
import { firstProcessor, joinProcessor } from './join-processor.ts';

/** Handles the input records of a transform, route or stateful stage. */
export interface Processor {
  /**
   * Handles one data record from input number `inputIndex` (in DSL order); a throw is caught
   * by the caller and sent to the error lane.
   */
  handle(input: JournalRecord, upstream: string, out: BatchOutput, inputIndex: number): Promise<void> | void;
  /** Emits what the stage owes when all its inputs have ended. */
  end(out: BatchOutput): void;
  /** The state to commit with this batch; undefined when the stage keeps none. */
  state(): unknown;
  /** Drops changes of a failed record (a stateful step that threw). */
  rollback(): void;
  /** True for a stateful stage: its state may be mutated in place by the next batch. */
  readonly keepsState: boolean;
}

type NodeOf<K extends StageNode['kind']> = Extract<StageNode, { kind: K }>;

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

const stateless = (
  handle: Processor['handle'],
): Processor => ({
  handle,
  end: () => undefined,
  state: () => undefined,
  rollback: () => undefined,
  keepsState: false,
});

function mapProcessor(node: NodeOf<'map'>): Processor {
  return stateless((input, upstream, out) => {
    const result = node.fn(input.payload, input);
    const cause = { stage: upstream, seq: input.seq };
    if (isPromise(result)) return result.then((value) => out.emit(value, cause));
    out.emit(result, cause);
    return undefined;
  });
}

function flatMapProcessor(node: NodeOf<'flatMap'>): Processor {
  const emitAll = (values: Iterable<unknown>, out: BatchOutput, upstream: string, seq: number): void => {
    for (const value of values) out.emit(value, { stage: upstream, seq });
  };
  return stateless((input, upstream, out) => {
    const result = node.fn(input.payload, input);
    if (isPromise(result)) return result.then((values) => emitAll(values, out, upstream, input.seq));
    emitAll(result, out, upstream, input.seq);
    return undefined;
  });
}

function routeProcessor(node: NodeOf<'route'>): Processor {
  return stateless((input, upstream, out) => {
    const port = node.select(input.payload);
    if (!Number.isInteger(port) || port < 0 || port >= node.ports) {
      throw new RangeError(
        `route "${node.name}" selected port ${String(port)}; ports are 0..${String(node.ports - 1)}`,
      );
    }
    out.emit(input.payload, { stage: upstream, seq: input.seq }, port);
  });
}

function statefulProcessor(node: NodeOf<'stateful'>, saved: unknown): Processor {
  const { handler } = node;
  let state = saved === undefined ? handler.init() : saved;
  let committed = state;
  const emitsState = handler.output === undefined && handler.onEof === undefined;
  return {
    handle: (input, upstream, out) => {
      committed = state;
      state = handler.step(state, input.payload, input);
      const cause = { stage: upstream, seq: input.seq };
      if (handler.output !== undefined) {
        const value = handler.output(state, input.payload);
        if (value !== undefined) out.emit(value, cause);
      } else if (emitsState) {
        // A snapshot: a step that changes the state in place must not rewrite earlier outputs.
        out.emit(typeof state === 'object' && state !== null ? structuredClone(state) : state, cause);
      }
    },
    end: (out) => {
      if (handler.onEof === undefined) return;
      for (const value of handler.onEof(state)) out.emit(value, undefined);
    },
    state: () => state,
    rollback: () => {
      state = committed;
    },
    keepsState: true,
  };
}

/** Builds the processor of a transform, route or stateful stage from its node and saved state. */
export function createProcessor(node: StageNode, saved: unknown): Processor {
  switch (node.kind) {
    case 'map':
      return mapProcessor(node);
    case 'flatMap':
      return flatMapProcessor(node);
    case 'route':
      return routeProcessor(node);
    case 'stateful':
      return statefulProcessor(node, saved);
    case 'join':
      return joinProcessor(node, saved);
    case 'first':
      return firstProcessor(node, saved);
    case 'source':
    case 'sink':
      throw new TypeError(`stage "${node.name}" is a ${node.kind}; it has no processor`);
  }
}
