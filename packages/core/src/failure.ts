import { ErrorCode, RetryableError, SluiceError, TerminalError, errorCodeOf, errorMessage, type ErrorContext } from './errors.ts';

/**
 * How supervision may treat a failure, decided once from its class where it is thrown:
 * - `never`: a TerminalError (bad definition, corrupt journal, wrong state); restarting cannot help.
 * - `after`: a RetryableError; restart after its `retryAfterMs`.
 * - `backoff`: anything else; restart with the stage's exponential backoff.
 */
export type FailureRetry = 'never' | 'after' | 'backoff';

/**
 * A failure as it crosses from the stage loop into the machines and out to the handle: plain,
 * serializable data (snapshots, the activity log and the inspector carry it), with the class
 * and code of what was thrown. The thrown value itself stays in this process: {@link thrownOf}.
 */
export interface Failure {
  /** Class name of what was thrown (`JournalCorruptError`, `RetryableError`, `Error`, …). */
  readonly name: string;
  /** Its stable code: an {@link ErrorCode}, a Node system error code (`EIO`), or `INTERNAL`. */
  readonly code: string;
  readonly message: string;
  readonly stage?: string;
  readonly seq?: number;
  readonly retry: FailureRetry;
  /** With `retry: 'after'`: how long to wait. */
  readonly retryAfterMs?: number;
  /** What caused it, when that was an error too. */
  readonly cause?: Failure;
}

const thrown = new WeakMap<Failure, unknown>();
const MAX_CAUSES = 5;

/**
 * Describes anything thrown as a {@link Failure}; `context` fills in the stage and seq where
 * the error does not name them. The original is kept for {@link thrownOf}.
 */
export function toFailure(error: unknown, context: Omit<ErrorContext, 'cause'> = {}): Failure {
  const failure = describe(error, context, MAX_CAUSES);
  thrown.set(failure, error);
  return failure;
}

/** What was thrown, when `failure` was made by {@link toFailure} in this process. */
export function thrownOf(failure: Failure): unknown {
  return thrown.get(failure);
}

/**
 * A SluiceError for a failure, with its code (INTERNAL or HANDLER_FAILED for foreign codes),
 * stage and seq, and what was thrown (or the failure) as `cause`; a TerminalError when the
 * failure was terminal.
 */
export function failureError(failure: Failure, message: string = failure.message): SluiceError {
  const original = thrownOf(failure);
  const context = {
    ...(failure.stage === undefined ? {} : { stage: failure.stage }),
    ...(failure.seq === undefined ? {} : { seq: failure.seq }),
    cause: original ?? failure,
  };
  const code = isErrorCode(failure.code) ? failure.code : ErrorCode.HandlerFailed;
  return failure.retry === 'never' ? new TerminalError(code, message, context) : new SluiceError(code, message, context);
}

function describe(error: unknown, context: Omit<ErrorContext, 'cause'>, depth: number): Failure {
  const sluice = error instanceof SluiceError ? error : undefined;
  const stage = sluice?.stage ?? context.stage;
  const seq = sluice?.seq ?? context.seq;
  const cause = error instanceof Error && error.cause !== undefined && depth > 0 ? describe(error.cause, {}, depth - 1) : undefined;
  return {
    name: error instanceof Error ? error.constructor.name : typeof error,
    code: errorCodeOf(error, ErrorCode.Internal),
    message: errorMessage(error),
    ...(stage === undefined ? {} : { stage }),
    ...(seq === undefined ? {} : { seq }),
    retry: error instanceof TerminalError ? 'never' : error instanceof RetryableError ? 'after' : 'backoff',
    ...(error instanceof RetryableError ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(cause === undefined ? {} : { cause }),
  };
}


const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

function isErrorCode(code: string): code is ErrorCode {
  return CODES.has(code);
}
