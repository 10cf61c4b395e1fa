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
  /** A failed stage is restarting (its `restarts`-th restart in this run). */
  stageRestarted(stage: string, restarts: number): void;
  /** A stage failed for good and was isolated; the rest of the flow goes on. */
  stageIsolated(stage: string): void;
  /** A stage started (`true`) or stopped waiting for its slowest consumer. */
  stageBackpressured(stage: string, waiting: boolean): void;
  /** A stage's circuit breaker entered `state`; each entry to `open` counts as one opening. */
  stageCircuit(stage: string, state: 'closed' | 'half-open' | 'open'): void;
  /** The pipeline machine entered `state`. */
  flowState(state: string): void;
  /** A run started; `previousRuns` counts earlier runs on the same data directory. */
  flowStarted(info: { readonly startedAt: number; readonly previousRuns: number }): void;
}

/** What `Clock.setTimeout` returns: opaque, good only for that clock's `clearTimeout`. */
export type TimerId = unknown;

/**
 * The clock port: the time and timers, so that tests can control both (`SimulatedClock`).
 * Every wait in core, fsm and runtime goes through it. Its shape is XState v5's `Clock`
 * plus `now()`, so the same object can be given to `createActor(machine, { clock })`.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the simulation began). */
  now(): number;
  /** Calls `fn` once, `ms` from now; the id cancels it. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer that has not fired; an unknown or fired id is ignored. */
  clearTimeout(id: TimerId): void;
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
  stageRestarted: () => undefined,
  stageIsolated: () => undefined,
  stageBackpressured: () => undefined,
  stageCircuit: () => undefined,
  flowState: () => undefined,
  flowStarted: () => undefined,
};

/**
 * The wall clock, with the global timers. They are not unref'd: a pending timer keeps the
 * process alive, so a run waiting on one is not cut short.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};
