import type { Clock, HandlerContext, Lineage, Logger } from '@sluice/core';
import type { IntermediateEntry, Intermediates } from '../kinds/intermediates.ts';
import { EffectScope, type EffectDeps, type UnknownOutcome } from './effect-scope.ts';

/**
 * What a processor gets for one step: the stage's intermediate records (see
 * {@link Intermediates}) and, per input record, the handler context with durable effects.
 */
export interface StepTools extends Intermediates {
  /** The context of the handler call for `input`: a new one per call, counting its effects from 0. */
  context(input: Lineage): HandlerContext;
  /**
   * Records in the activity log what recovery did with a call whose outcome is unknown (its
   * intent was journaled, its outcome never was): a kind with its own calls (a command) says it here.
   */
  unknownOutcome(found: UnknownOutcome): void;
  /** The intermediates whose inputs may not be committed yet, in commit order (see {@link Intermediates.entries}). */
  entries(): Promise<readonly IntermediateEntry[]>;
  /** The run's clock: a kind's own timers (a command's timeout) go through it. */
  readonly clock: Clock;
  /** The stage's logger. */
  readonly log: Logger;
  /** The stage's signal now (aborted on a cancel or a failure; a restart replaces it). */
  readonly signal: AbortSignal;
}

/** The step tools of a stage over its intermediate log. */
export function stepTools(deps: EffectDeps): StepTools {
  const { steps } = deps;
  const marked: Intermediates = {
    recall: (input, ordinal) =>
      steps.recall(input, ordinal).catch((error: unknown) => {
        throw markStageFailure(error);
      }),
    commit: (input, ordinal, payload) =>
      steps.commit(input, ordinal, payload).catch((error: unknown) => {
        throw markStageFailure(error);
      }),
    defer: (input, ordinal, payload) =>
      (steps.defer === undefined ? steps.commit(input, ordinal, payload) : steps.defer(input, ordinal, payload))?.catch((error: unknown) => {
        throw markStageFailure(error);
      }),
  };
  const effects: EffectDeps = { ...deps, steps: marked };
  return {
    ...marked,
    context: (input) => new EffectScope(effects, input),
    unknownOutcome: (found) => deps.unknownOutcome?.(found),
    entries: () =>
      (steps.entries?.() ?? Promise.resolve([])).catch((error: unknown) => {
        throw markStageFailure(error);
      }),
    clock: deps.clock,
    log: deps.log,
    get signal() {
      return deps.signal();
    },
  };
}

const stageFailures = new WeakSet<object>();

/** Marks an error as the stage's failure (an intermediate commit the store refused), not a record's. */
function markStageFailure(error: unknown): Error {
  const marked = error instanceof Error ? error : new Error(String(error));
  stageFailures.add(marked);
  return marked;
}

/**
 * True for an error that the store's refusal of an intermediate read or commit caused: it fails the
 * stage (supervision decides on a restart) instead of sending the record to the error lane.
 */
export function isStageFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && stageFailures.has(error);
}
