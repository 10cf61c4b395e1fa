import { pino, type DestinationStream, type Logger as PinoInstance } from 'pino';
import { ErrorCode, TerminalError, type LogFields, type Logger } from '@sluice/core';

/**
 * The Logger port on pino: one JSON object per line, `fields` merged into it and `message`
 * as `msg` (pino's `logger.info(fields, message)`); `child` is a pino child logger, so its
 * bindings (flow, stage, run) appear on every line it writes.
 */
export class PinoLogger implements Logger {
  readonly #pino: PinoInstance;

  /** Wraps a pino logger (its level, destination and serializers are kept as they are). */
  constructor(instance: PinoInstance) {
    this.#pino = instance;
  }

  /** The wrapped pino logger, e.g. to flush an asynchronous destination. */
  get pino(): PinoInstance {
    return this.#pino;
  }

  /** Logs at debug level. */
  debug(fields: LogFields, message: string): void {
    this.#pino.debug(fields, message);
  }

  /** Logs at info level. */
  info(fields: LogFields, message: string): void {
    this.#pino.info(fields, message);
  }

  /** Logs at warn level. */
  warn(fields: LogFields, message: string): void {
    this.#pino.warn(fields, message);
  }

  /** Logs at error level. */
  error(fields: LogFields, message: string): void {
    this.#pino.error(fields, message);
  }

  /** A logger whose every line carries `bindings` as well as this logger's. */
  child(bindings: LogFields): PinoLogger {
    return new PinoLogger(this.#pino.child(bindings));
  }
}

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Lowest level written: trace, debug, info (default), warn, error, fatal or silent. */
  readonly level?: string;
  /** A stream, or a file descriptor written synchronously; standard output by default. */
  readonly destination?: NodeJS.WritableStream | number;
  /** Fields on every line (e.g. `{ flow }`). */
  readonly bindings?: Readonly<Record<string, unknown>>;
}

/**
 * Creates a {@link PinoLogger} writing JSON lines to standard output, a stream or a file
 * descriptor. Errors logged under `err` or `error` are serialized with their type, message
 * and stack. Throws a TerminalError for an unknown level.
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): PinoLogger {
  const level = options.level ?? 'info';
  if (level !== 'silent' && !Object.hasOwn(pino.levels.values, level)) {
    const known = [...Object.keys(pino.levels.values), 'silent'].join(', ');
    throw new TerminalError(ErrorCode.Config, `unknown log level "${level}"; expected ${known}`);
  }
  const serializers = { err: pino.stdSerializers.err, error: pino.stdSerializers.err };
  const root = pino({ level, serializers }, destinationOf(options.destination));
  return new PinoLogger(options.bindings === undefined ? root : root.child(options.bindings));
}

function destinationOf(
  destination: NodeJS.WritableStream | number | undefined,
): DestinationStream | undefined {
  if (typeof destination === 'number') return pino.destination({ dest: destination, sync: true });
  return destination;
}
