import {
  ErrorCode,
  firstKind,
  joinKind,
  TerminalError,
  type FirstSpec,
  type JoinStageSpec,
  type StageNode,
} from '@sluice/core';
import type { Processor } from '../processor.ts';
import { registerStageProcessor } from './registry.ts';

/** Unpaired records of a join by side and key, committed with the join's cursors. */
interface JoinState {
  readonly waiting: [Record<string, unknown[]>, Record<string, unknown[]>];
}

/**
 * The synchronizing join: a record waits in the state until a record of the other input
 * with the same key arrives; pairs form first come, first paired. At the end, what is still
 * unpaired goes to the error lane (or is dropped, if the join says so).
 */
export function joinProcessor(node: StageNode<JoinStageSpec>, saved: unknown): Processor {
  const { keys, combine, unmatched } = node.spec;
  const state: JoinState = (saved as JoinState | undefined) ?? { waiting: [{}, {}] };
  return {
    handle: (input, upstream, out, inputIndex) => {
      const side = inputIndex === 0 ? 0 : 1;
      const mine = state.waiting[side];
      const theirs = state.waiting[side === 0 ? 1 : 0];
      const key = String(keys[side](input.payload));
      const queue = theirs[key];
      if (queue === undefined || queue.length === 0) {
        (mine[key] ??= []).push(input.payload);
        return;
      }
      // Combine before taking the match: if combine throws, the match keeps waiting.
      const [left, right] = side === 0 ? [input.payload, queue[0]] : [queue[0], input.payload];
      out.emit(combine(left, right), { stage: upstream, seq: input.seq });
      queue.shift();
      if (queue.length === 0) Reflect.deleteProperty(theirs, key);
    },
    end: (out) => {
      state.waiting.forEach((waiting, side) => {
        for (const [key, values] of Object.entries(waiting)) {
          for (const value of values) {
            if (unmatched === 'drop') continue;
            const which = side === 0 ? 'left' : 'right';
            const reason = `join "${node.name}": no ${side === 0 ? 'right' : 'left'} record matched the ${which} record with key "${key}"`;
            out.fail(new TerminalError(ErrorCode.MalformedInput, reason, { stage: node.name }), value);
          }
        }
        for (const key of Object.keys(waiting)) Reflect.deleteProperty(waiting, key);
      });
    },
    state: () => state,
    // Nothing to undo: key and combine run before the state changes.
    rollback: () => undefined,
    keepsState: true,
  };
}

/** First-of-N: emits the first record of each key across all inputs, drops the rest. */
export function firstProcessor(node: StageNode<FirstSpec>, saved: unknown): Processor {
  const { key: keyOf } = node.spec;
  const seen = (saved as Record<string, true> | undefined) ?? {};
  return {
    handle: (input, upstream, out) => {
      const key = String(keyOf(input.payload));
      if (seen[key] === true) return;
      seen[key] = true;
      out.emit(input.payload, { stage: upstream, seq: input.seq });
    },
    end: () => undefined,
    state: () => seen,
    rollback: () => undefined,
    keepsState: true,
  };
}

registerStageProcessor(joinKind, joinProcessor);
registerStageProcessor(firstKind, firstProcessor);
