/**
 * How a stage whose loop fails is supervised: restarted with exponential backoff up to
 * `maxRestarts` times (a TerminalError never; a RetryableError after its own `retryAfterMs`),
 * then, per `onExhausted`, the flow fails or the stage is isolated (its downstream waits, the
 * rest of the flow goes on). A single bad record never fails a stage: it goes to the error lane.
 */
export interface RestartPolicy {
  /** Restarts before `onExhausted` applies (default 3; 0 = never restart). */
  readonly maxRestarts?: number;
  /** Wait before the first restart; doubles for each one after (default 200 ms). */
  readonly backoffMs?: number;
  /** Longest wait between restarts (default 30 s). */
  readonly maxBackoffMs?: number;
  /** When restarts are used up or cannot help: fail the flow (default) or isolate the stage. */
  readonly onExhausted?: 'fail' | 'isolate';
}

/** The defaults of {@link RestartPolicy}. */
export const DEFAULT_RESTART_POLICY: Required<RestartPolicy> = {
  maxRestarts: 3,
  backoffMs: 200,
  maxBackoffMs: 30_000,
  onExhausted: 'fail',
};
