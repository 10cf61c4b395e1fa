import { ErrorCode, TerminalError } from '@sluice/core';

/** What a run in replay mode (`RunOptions.replay`) reports back while it runs. */
export interface ReplayMode {
  /** An effect (or a command) of `stage` was answered from the effects journal instead of being called. */
  readonly recalled?: (stage: string, effect: string) => void;
}

/** The code of {@link ReplayUnrecordedError}. */
export const REPLAY_UNRECORDED = ErrorCode.ReplayUnrecorded;

/**
 * A replay met an effect or command with no recorded outcome: it is not called (a replay never
 * reaches the world), and the record goes to the error lane with code REPLAY_UNRECORDED.
 */
export class ReplayUnrecordedError extends TerminalError {
  constructor(message: string, context: { readonly stage?: string } = {}) {
    super(ErrorCode.ReplayUnrecorded, message, context);
  }
}
