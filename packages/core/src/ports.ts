/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger port; the pino adapter implements it. Bindings carry flow, stage and run. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** A logger whose every line carries `bindings`. */
  child(bindings: LogFields): Logger;
}

/** One committed batch of a stage, as metrics see it. */
export interface BatchSample {
  readonly in: number;
  readonly out: number;
  readonly errors: number;
  /** Handler time in ms. */
  readonly handlerMs: number;
}

/** The metrics port; the prom-client adapter implements it. Calls are per batch, never per record. */
export interface Metrics {
  /** A stage committed a batch. */
  batch(stage: string, sample: BatchSample): void;
  /** Records an upstream has journaled that the stage has not consumed yet. */
  lag(stage: string, upstream: string, lag: number): void;
  /** An edge became stalled (`true`) or moved again (`false`). */
  stalled(stage: string, upstream: string, stalled: boolean): void;
  /** A stage machine entered `state`. */
  stageState(stage: string, state: string): void;
  /** The pipeline machine entered `state`. */
  flowState(state: string): void;
  /** A run started; `restarts` counts earlier runs on the same data directory. */
  flowStarted(info: { readonly startedAt: number; readonly restarts: number }): void;
}

/** The clock port, so that tests can control time. */
export interface Clock {
  now(): number;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** Metrics that record nothing. */
export const noopMetrics: Metrics = {
  batch: () => undefined,
  lag: () => undefined,
  stalled: () => undefined,
  stageState: () => undefined,
  flowState: () => undefined,
  flowStarted: () => undefined,
};

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
