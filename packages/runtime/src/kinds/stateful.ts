import { statefulKind, type JournalRecord, type StageNode, type StatefulSpec } from '@sluice/core';
import type { BatchOutput } from '../batch-output.ts';
import { isPromise, type Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/**
 * A stateful stage: folds each input into the state committed with its cursors. A step may be
 * async (its effects are durable); the process runner then awaits it before the next record,
 * as a stage that keeps state handles one record at a time.
 */
export function statefulProcessor(node: StageNode<StatefulSpec>, saved: unknown): Processor {
  const { handler } = node.spec;
  let state = saved === undefined ? handler.init() : saved;
  let committed = state;
  /** Counts step calls and rollbacks: a late answer of an earlier call is told apart. */
  let calls = 0;
  const emitsState = handler.output === undefined && handler.outputs === undefined && handler.onEof === undefined;
  const emit = (input: JournalRecord, upstream: string, out: BatchOutput): void => {
    const cause = { stage: upstream, seq: input.seq };
    if (handler.output !== undefined) {
      const value = handler.output(state, input.payload);
      if (value !== undefined) out.emit(value, cause);
    }
    if (handler.outputs !== undefined) {
      for (const value of handler.outputs(state, input.payload)) out.emit(value, cause);
    } else if (emitsState) {
      // A snapshot: a step that changes the state in place must not rewrite earlier outputs.
      out.emit(typeof state === 'object' && state !== null ? structuredClone(state) : state, cause);
    }
  };
  return {
    handle: (input, upstream, out, _index, steps) => {
      committed = state;
      const call = ++calls;
      const next = handler.step(state, input.payload, input, steps.context({ stage: upstream, seq: input.seq }));
      if (isPromise(next)) {
        return next.then((value) => {
          // A step abandoned (its deadline passed, it was rolled back) must not answer into the state.
          if (call !== calls) return;
          state = value;
          emit(input, upstream, out);
        });
      }
      state = next;
      emit(input, upstream, out);
      return undefined;
    },
    end: (out) => {
      if (handler.onEof === undefined) return;
      for (const value of handler.onEof(state)) out.emit(value, undefined);
    },
    state: () => state,
    rollback: () => {
      state = committed;
      calls++;
    },
    keepsState: true,
  };
}

registerStageProcessor(statefulKind, statefulProcessor);
