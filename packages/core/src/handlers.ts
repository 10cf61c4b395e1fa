import type { HandlerContext } from './effects.ts';
import type { JournalRecord } from './record.ts';
import type { FlowDefinitionError } from './errors.ts';
import type { FlowShape } from './stage-node.ts';
import type { Clock } from './ports.ts';
import type { JournalStore } from './store.ts';

/** What every handler can see about where it runs. */
export interface StageContext {
  readonly flow: string;
  readonly stage: string;
  /** Aborted when the stage stops; long waits in a handler should honour it. */
  readonly signal: AbortSignal;
  /**
   * Wakes the stage's loop now. A source whose input arrives between reads (an HTTP request)
   * calls it, so that the input is read at once instead of at the next poll.
   */
  readonly wake?: () => void;
  /**
   * Records a notice in the run's activity log (`stage.notice`), e.g. a timer that found ticks
   * which fell due while the flow was down, and what it did with them.
   */
  readonly note?: (notice: StageNotice) => void;
  /** The run's clock: a stage that waits on its own (a reply timeout) waits on it, so tests drive time. */
  readonly clock?: Clock;
  /**
   * A read-only view of the flow's journals, for a stage that answers from what other stages
   * committed (the HTTP source's `reply`): records, cursors by input key, flow-level values
   * (meta `flow` is the stored definition, with each stage's input keys) and commit notifications.
   */
  readonly journals?: Pick<JournalStore, 'lastSeq' | 'read' | 'cursor' | 'readMeta' | 'subscribe'>;
}

/** A stage's notice for the activity log: a kind to filter on, a sentence, and details. */
export interface StageNotice {
  /** E.g. `timer.missed`. */
  readonly kind: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A malformed input found by a source; it goes to the source's error lane. */
export interface SourceError {
  readonly message: string;
  /** Where it was found, e.g. "orders.jsonl:42". */
  readonly location?: string;
  readonly input?: unknown;
}

/** What a source read: values, malformed inputs, its new position, and whether it is exhausted. */
export interface SourceBatch<T, TPosition> {
  readonly values: readonly T[];
  readonly errors?: readonly SourceError[];
  /** Committed with the batch, so a restart resumes exactly after it. */
  readonly position: TPosition;
  /** True when the source will produce nothing more; the runtime appends EOF. */
  readonly done: boolean;
}

/** An open source. `read` returns an empty, not-done batch when nothing is available yet. */
export interface SourceReader<T, TPosition> {
  read(max: number): Promise<SourceBatch<T, TPosition>>;
  /**
   * Called once the batch of a `read` that returned records is committed (durable, for a
   * durable store), with the seqs it was appended at, in the order of the reads: its values
   * first, in order, then its errors. A source that acknowledges its input to someone outside
   * (an HTTP client) answers here. A read that returned nothing is not committed and gets no
   * call; a batch whose commit fails gets none either (the stage fails and reopens the source).
   * Must not throw.
   */
  committed?(result: { readonly firstSeq: number; readonly lastSeq: number }): void;
  close?(): Promise<void>;
}

/** A source handler: opened at the last committed position (undefined on the first run). */
export interface SourceHandler<T, TPosition = unknown> {
  /**
   * What is wrong with this source in its flow (`stage` is its name), each error naming the
   * stage: checked when the flow is defined, before anything runs.
   */
  validateInFlow?(stage: string, flow: FlowShape): readonly FlowDefinitionError[];
  open(
    position: TPosition | undefined,
    context: StageContext,
  ): Promise<SourceReader<T, TPosition>> | SourceReader<T, TPosition>;
}

/**
 * A 1:1 transform; sync or async. Throwing sends the input to the error lane. `context.effect`
 * reaches the outside durably (see {@link HandlerContext}).
 */
export type MapFn<TIn, TOut> = (value: TIn, record: JournalRecord<TIn>, context: HandlerContext) => TOut | Promise<TOut>;

/** A 1:N transform (N may be 0); sync or async. */
export type FlatMapFn<TIn, TOut> = (
  value: TIn,
  record: JournalRecord<TIn>,
  context: HandlerContext,
) => Iterable<TOut> | Promise<Iterable<TOut>>;

/**
 * A stateful stage: `step` folds each input into the state, which is persisted in the same
 * transaction as the stage's cursor, so state and progress never disagree after a crash.
 * Output per input comes from `output` (one record or none) and `outputs` (any number); with
 * none of `output`, `outputs` and `onEof`, the new state is emitted after every step. `onEof` emits once when every upstream has ended.
 * `step` must not mutate the state before throwing: a throw keeps the previous state.
 */
export interface StatefulHandler<TState, TIn, TOut> {
  init(): TState;
  /**
   * Folds one input into the state; may be async, and may reach the outside through
   * `context.effect` (see {@link HandlerContext}): a re-run after a crash starts again from the
   * committed state and gets the journaled effect values back.
   */
  step(state: TState, value: TIn, record: JournalRecord<TIn>, context: HandlerContext): TState | Promise<TState>;
  /** The one record to emit for the input (undefined: none); an array returned is one record. */
  output?(state: TState, value: TIn): TOut | undefined;
  /**
   * The records to emit for the input, in order, each caused by it (after `output`'s, when both
   * are given): for a stage that emits several per input, or none.
   */
  outputs?(state: TState, value: TIn): Iterable<TOut>;
  onEof?(state: TState): Iterable<TOut>;
}

/** What a sink's `write` gets besides the values: their records, durable effects, per-record failure. */
export interface SinkBatch<T> {
  /** The input records, in the order of the values. */
  readonly records: readonly JournalRecord<T>[];
  /** The handler context of `values[index]`: its durable effects, keyed by that input record. */
  context(index: number): HandlerContext;
  /**
   * Sends `values[index]` to the error lane with `error` as the reason; the rest of the batch
   * is delivered. (Throwing from `write` instead retries the batch one record at a time.)
   */
  fail(index: number, error: unknown): void;
}

/**
 * An open sink. `write` returns the sink's position, committed with the stage cursor; the
 * runtime always passes `batch` (a sink called by hand, in a test, may be given none).
 */
export interface SinkWriter<T, TPosition> {
  write(values: readonly T[], batch?: SinkBatch<T>): Promise<TPosition> | TPosition;
  /** Called once every upstream has ended, before the sink reports drained. */
  end?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A sink handler: opened with the position committed with the sink's cursor, so a sink
 * that can rewind (truncate a file) gets exactly-once output; others are at-least-once.
 */
export interface SinkHandler<T, TPosition = unknown> {
  open(
    position: TPosition | undefined,
    context: StageContext,
  ): Promise<SinkWriter<T, TPosition>> | SinkWriter<T, TPosition>;
}
