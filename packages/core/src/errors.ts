/** Stable error codes; policy reads the code or the class, never the message. */
export const ErrorCode = {
  FlowDefinition: 'FLOW_DEFINITION',
  HandlerFailed: 'HANDLER_FAILED',
  MalformedInput: 'MALFORMED_INPUT',
  JournalCorrupt: 'JOURNAL_CORRUPT',
  StoreClosed: 'STORE_CLOSED',
  InvalidState: 'INVALID_STATE',
  Timeout: 'TIMEOUT',
  Config: 'CONFIG',
  /** Another run holds the data directory's lock: refused before anything is read or written. */
  DataDirInUse: 'DATA_DIR_IN_USE',
  /** The flow definition differs from the one the data directory holds: refused, nothing changed. */
  DefinitionChanged: 'DEFINITION_CHANGED',
  /** The store could not write to its disk (out of space, I/O error): the commit wrote nothing. */
  StoreWrite: 'STORE_WRITE',
  Internal: 'INTERNAL',
  /** A handler call's effect failed and the effects before it were compensated (saga). */
  Compensated: 'COMPENSATED',
  /** The stage's circuit breaker is open: the call failed fast, without being made (retryable). */
  CircuitOpen: 'CIRCUIT_OPEN',
  /** A replay met an effect or command with no recorded outcome: it was not called. */
  ReplayUnrecorded: 'REPLAY_UNRECORDED',
} as const;

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Context that locates an error in a flow. */
export interface ErrorContext {
  readonly stage?: string;
  readonly seq?: number;
  readonly cause?: unknown;
}

/** Base class of every error Sluice throws: a stable `code`, the stage and seq it concerns. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly stage: string | undefined;
  readonly seq: number | undefined;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.stage = context.stage;
    this.seq = context.seq;
  }
}

/** An error that retrying cannot fix (bad input, bad definition). */
export class TerminalError extends SluiceError {}

/**
 * An error that may succeed when retried after `retryAfterMs`. Its code is `HANDLER_FAILED`
 * unless `context.code` names another (e.g. `CIRCUIT_OPEN`).
 */
export class RetryableError extends SluiceError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, context: ErrorContext & { readonly code?: ErrorCode } = {}) {
    const { code = ErrorCode.HandlerFailed, ...rest } = context;
    super(code, message, rest);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A flow definition that cannot run: duplicate names, cycles, dangling stages, bad edges. */
export class FlowDefinitionError extends TerminalError {
  constructor(message: string, stage?: string) {
    super(ErrorCode.FlowDefinition, message, stage === undefined ? {} : { stage });
  }
}

/** A journal whose stored records are not what was written (gaps, bad encoding, truncation). */
export class JournalCorruptError extends TerminalError {
  constructor(message: string, context: ErrorContext = {}) {
    super(ErrorCode.JournalCorrupt, message, context);
  }
}

/** A call made in a lifecycle state that does not allow it; the message names the state. */
export class InvalidStateError extends TerminalError {
  constructor(message: string, context: ErrorContext = {}) {
    super(ErrorCode.InvalidState, message, context);
  }
}

/** Converts anything thrown into a SluiceError, keeping the original as `cause`. */
export function toSluiceError(thrown: unknown, context: ErrorContext = {}): SluiceError {
  if (thrown instanceof SluiceError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new SluiceError(ErrorCode.Internal, message, { ...context, cause: thrown });
}

/**
 * The stable code of anything thrown: a SluiceError's, a Node system error's (`ECONNRESET`), or
 * `fallback` when it has none.
 */
export function errorCodeOf(thrown: unknown, fallback: string): string {
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : fallback;
}

/** The message of anything thrown, for error lanes and logs. */
export function errorMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  return thrown === undefined ? 'undefined' : JSON.stringify(thrown);
}
