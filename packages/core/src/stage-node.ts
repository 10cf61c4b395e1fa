import type { RestartPolicy } from './restart-policy.ts';
import type { FlowDefinitionError } from './errors.ts';

/**
 * How often a handler is tried on one record before the record goes to the error lane.
 * A TerminalError is never retried; a RetryableError waits its own `retryAfterMs`; any other
 * error waits `backoffMs` doubled per attempt.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3; 1 = no retry). */
  readonly maxAttempts?: number;
  /** Wait before the second attempt; doubles for each one after (default 100). */
  readonly backoffMs?: number;
}

/** Per-stage settings. */
export interface StageOptions {
  /** Most records read, handled and committed together. */
  readonly batchSize?: number;
  /** Retries of a failing handler call (transform, flatMap, route, stateful, join). */
  readonly retry?: RetryPolicy;
  /** Supervision of the stage when its loop fails (store, I/O, corrupt input). */
  readonly restart?: RestartPolicy;
  /**
   * Handler calls at once within a batch, for a stage that keeps no state (transform, flatMap):
   * their effects' intents and outcomes then share durable writes. Outputs are committed in
   * input order all the same (default 1).
   */
  readonly concurrency?: number;
  /**
   * A deadline per handler call (transform, flatMap, route, stateful, join, command): a call
   * that takes longer is abandoned as a retryable timeout (TIMEOUT), its signal aborted; what it
   * answers later is dropped. The stage's retry policy then applies.
   */
  readonly timeoutMs?: number;
  /**
   * A circuit breaker around the stage's handler calls: after `failures` consecutive failed
   * calls it opens, and calls fail fast with a RetryableError `CIRCUIT_OPEN` (the retry policy
   * backs off, then the record goes to the error lane) without being made; after `openMs` it
   * lets `halfOpenCalls` trial calls through (default 1): that many successes close it, a
   * failure opens it again.
   */
  readonly circuitBreaker?: { readonly failures: number; readonly openMs: number; readonly halfOpenCalls?: number };
  /**
   * A token bucket in front of the stage's handler calls: at most `perSecond` calls a second,
   * up to `burst` at once after a quiet spell (default 1: calls evenly spaced). A call waits
   * for its token on the run's clock.
   */
  readonly rateLimit?: { readonly perSecond: number; readonly burst?: number };
  /**
   * Assigns event time to what this stage emits (a source or any stage), read from each output
   * value by `of`; see {@link EventTimeOptions}. The DSL functions type `of` by the stage's output.
   */
  readonly eventTime?: EventTimeOptions<never>;
  /**
   * At a stage with several inputs: an input that brought no record for this long (ms on the run's
   * clock) stops holding back the stage's watermark until it brings one again, so one quiet input
   * does not stall the windows downstream. Default: an input holds it back until it ends.
   */
  readonly idleInputMs?: number;
}

/**
 * How a stage assigns event time. Each emitted record gets `time = of(value)`; a value whose time
 * is not a finite number goes to the stage's error lane instead. The stage's watermark is the
 * highest time it has emitted minus `outOfOrdernessMs` (default 0): records may arrive that much
 * out of order before a window downstream counts them as late.
 */
export interface EventTimeOptions<T> {
  readonly of: (value: T) => number;
  readonly outOfOrdernessMs?: number;
}

/** A stage's options with `eventTime` typed by the values the stage emits. */
export type StageOptionsOf<T> = Omit<StageOptions, 'eventTime'> & { readonly eventTime?: EventTimeOptions<T> };

/** A flow as its stages' flow-level checks see it: its name and its stages, upstreams first. */
export interface FlowShape {
  readonly name: string;
  readonly stages: readonly StageNode[];
}

/** An edge into a stage: the upstream node and, for route outputs, the port read. */
export interface Edge {
  readonly from: StageNode;
  readonly port?: number;
}

/**
 * A stage kind as a unit: its name and the graph facts of its nodes. Core validates a flow
 * through it; the runtime finds the kind's runner by `name`. A kind defined outside Sluice
 * is a descriptor like the built-in ones (see `defineStageKind`).
 */
export interface StageType<TSpec = unknown> {
  /** The kind's name, stored with the flow definition and shown in status; part of the definition hash. */
  readonly name: string;
  /** True for a kind that reads from outside the flow: it takes no upstream, and a flow needs one. */
  readonly source?: boolean;
  /** Output ports of a node of this kind: 0 for a sink, 1 for most, N for a route. */
  ports(node: StageNode<TSpec>): number;
  /** What is wrong with a node of this kind (e.g. its number of inputs), each error naming the stage. */
  validate?(node: StageNode<TSpec>): readonly FlowDefinitionError[];
  /**
   * What is wrong with a node of this kind given the whole flow (e.g. a stage it names that is
   * not there), each error naming the stage; checked once the graph itself is valid.
   */
  validateInFlow?(node: StageNode<TSpec>, flow: FlowShape): readonly FlowDefinitionError[];
}

/**
 * A stage of the graph as the runtime sees it: its kind's descriptor and the kind's own
 * settings (`spec`, with handler types erased), its inputs and options.
 */
export interface StageNode<TSpec = unknown> {
  readonly name: string;
  /** The kind's name (`type.name`), for display and storage. */
  readonly kind: StageKind;
  readonly type: StageType<TSpec>;
  readonly spec: TSpec;
  readonly inputs: readonly Edge[];
  readonly options: StageOptions;
}

/** A key that joins or deduplicates records; compared as a string. */
export type JoinKey = string | number;

/** The names of the built-in kinds. */
export type BuiltinStageKind = 'source' | 'map' | 'flatMap' | 'route' | 'stateful' | 'join' | 'first' | 'sink';

/** The name of a stage kind: a built-in one or one registered from outside. */
export type StageKind = BuiltinStageKind | (string & {});
