import type { Clock, HandlerContext, Lineage, Logger } from '@sluice/core';
import type { IntermediateEntry, Intermediates } from '../kinds/intermediates.ts';
import { EffectScope, type EffectDeps, type UnknownOutcome } from './effect-scope.ts';

/**
 * What a processor gets for one step: the stage's intermediate records (see
 * {@link Intermediates}) and, per input record, the handler context with durable effects.
 */
export interface StepTools extends Intermediates {
  /**
   * The context of the handler call for `input`: a new one per call, counting its effects from 0.
   * Its signal is the stage's, or `signal` for a call with a deadline of its own.
   */
  context(input: Lineage, signal?: AbortSignal): HandlerContext;
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
  /**
   * True in a replay (`RunOptions.replay`): a kind with its own calls (a command) must not make
   * them; it serves the recorded outcome (and says so with `recalled`) or fails the record with a
   * ReplayUnrecordedError.
   */
  readonly replay: boolean;
  /** Counts a call of this stage answered from its journal in a replay (a no-op in a live run). */
  recalled(effect: string): void;
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
    context: (input, signal) => new EffectScope(signal === undefined ? effects : { ...effects, signal: () => signal }, input),
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
    replay: deps.replay !== undefined,
    recalled: (effect) => deps.replay?.recalled?.(deps.stage, effect),
  };
}

/**
 * The step tools of one handler call that has its own signal (a deadline): its handler context
 * and `signal` are the call's, aborted on the deadline as well as with the stage.
 */
export function callTools(tools: StepTools, signal: AbortSignal): StepTools {
  return {
    recall: (input, ordinal) => tools.recall(input, ordinal),
    commit: (input, ordinal, payload) => tools.commit(input, ordinal, payload),
    defer: (input, ordinal, payload) => (tools.defer === undefined ? tools.commit(input, ordinal, payload) : tools.defer(input, ordinal, payload)),
    context: (input) => tools.context(input, signal),
    unknownOutcome: (found) => tools.unknownOutcome(found),
    entries: () => tools.entries(),
    clock: tools.clock,
    log: tools.log,
    signal,
    replay: tools.replay,
    recalled: (effect) => tools.recalled(effect),
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
