import { statefulKind, type StageNode, type StatefulSpec } from '@sluice/core';
import type { Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/** A stateful stage: folds each input into the state committed with its cursors. */
export function statefulProcessor(node: StageNode<StatefulSpec>, saved: unknown): Processor {
  const { handler } = node.spec;
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

registerStageProcessor(statefulKind, statefulProcessor);
