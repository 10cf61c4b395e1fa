import { ErrorCode, TerminalError, type Clock, type TimerId } from '@sluice/core';

/** What a run in replay mode (`RunOptions.replay`) reports back while it runs. */
export interface ReplayMode {
  /** An effect (or a command) of `stage` was answered from the effects journal instead of being called. */
  readonly recalled?: (stage: string, effect: string) => void;
}

/** The code of {@link ReplayUnrecordedError}. */
export const REPLAY_UNRECORDED = 'REPLAY_UNRECORDED';

/**
 * A replay met an effect or command with no recorded outcome: it is not called (a replay never
 * reaches the world), and the record goes to the error lane with code REPLAY_UNRECORDED.
 */
export class ReplayUnrecordedError extends TerminalError {
  constructor(message: string, context: { readonly stage?: string } = {}) {
    // Not in core's ErrorCode table yet: the code is set below, the table's type is core's to widen.
    super(ErrorCode.HandlerFailed, message, context);
    Object.defineProperty(this, 'code', { value: REPLAY_UNRECORDED, enumerable: true });
  }
}

const modes = new WeakMap<Clock, ReplayMode>();

/**
 * `clock`, marked as the clock of a run in replay mode. Why the clock: it is the one run-wide
 * port that reaches every stage's effect scope unchanged, so the mode travels with it without a
 * new field in every runner's dependencies. Time itself is `clock`'s.
 */
export function replayClock(clock: Clock, mode: ReplayMode): Clock {
  const marked: Clock = {
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number): TimerId => clock.setTimeout(fn, ms),
    clearTimeout: (id: TimerId) => clock.clearTimeout(id),
  };
  modes.set(marked, mode);
  return marked;
}

/** The replay mode of the run whose clock this is; undefined for a live run. */
export function replayModeOf(clock: Clock): ReplayMode | undefined {
  return modes.get(clock);
}
