/**
 * @sluice/core — the domain of Sluice: journal records, the ports the runtime needs, handler
 * contracts and the typed flow DSL.
 *
 * ```ts
 * import { flow, source, transform, sink } from '@sluice/core';
 * const numbers = source('numbers', arraySource([1, 2, 3]));
 * const doubled = transform('double', numbers, (n) => n * 2);
 * export default flow('demo', [sink('out', doubled, consoleSink())]);
 * ```
 */
export * from './errors.ts';
export { EffectFailedError, type EffectCall, type EffectOptions, type HandlerContext } from './effects.ts';
export { failureError, thrownOf, toFailure, type Failure, type FailureRetry } from './failure.ts';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.ts';
export type { Envelope, ErrorPayload, JournalRecord, Lineage, RecordKind } from './record.ts';
export {
  checkKeyedKey,
  compareKeys,
  emptyStats,
  type CommitBatch,
  type CommitListener,
  type CommitResult,
  type JournalStats,
  type JournalStore,
  type KeyedChange,
  type KeyedEntry,
  type KeyedRange,
} from './store.ts';
export { createMemoryJournalStore } from './memory-store.ts';
export { lastRecord } from './last-record.ts';
export { formatInputKey, parseInputKey, type InputKey, type ParsedInputKey } from './input-key.ts';
export {
  noopMetrics,
  silentLogger,
  systemClock,
  type BatchSample,
  type Clock,
  type TimerId,
  type LogFields,
  type Logger,
  type Metrics,
} from './ports.ts';
export { sleep } from './sleep.ts';
export { SimulatedClock } from './simulated-clock.ts';
export type {
  FlatMapFn,
  MapFn,
  SinkHandler,
  SinkBatch,
  SinkWriter,
  SourceBatch,
  SourceError,
  SourceHandler,
  SourceReader,
  StageContext,
  StageNotice,
  StatefulHandler,
} from './handlers.ts';
export { deliverEach, type DeliverEachOptions, type DeliverFn } from './deliver-each.ts';
export type { Edge, FlowShape, JoinKey, RetryPolicy, StageKind, StageNode, StageOptions } from './stage-node.ts';
export type { BuiltinStageKind, EventTimeOptions, StageOptionsOf, StageType } from './stage-node.ts';
export {
  defineStageKind,
  distinctInputs,
  inputCount,
  stageNode,
  type StageNodeInit,
} from './kinds/define.ts';
export { sourceKind, type SourceSpec } from './kinds/source.ts';
export { sinkKind, type SinkSpec } from './kinds/sink.ts';
export {
  flatMapKind,
  mapKind,
  routeKind,
  statefulKind,
  type FlatMapSpec,
  type MapSpec,
  type RouteSpec,
  type StatefulSpec,
} from './kinds/transform.ts';
export { firstKind, joinKind, type FirstSpec, type JoinStageSpec } from './kinds/join.ts';
export { delay, delayKind, type DelayBy, type DelaySpec } from './kinds/delay.ts';
export { keyed, keyedKind, type KeyedHandler, type KeyedSpec, type KeyedUpdate } from './kinds/keyed.ts';
export { lookup, lookupKind, type LookupMode, type LookupOptions, type LookupSpec } from './kinds/lookup.ts';
export { streamJoin, streamJoinKind, type StreamJoinOptions, type StreamJoinSpec } from './kinds/stream-join.ts';
export {
  WINDOW_JOIN_LATE_PORT,
  WINDOW_JOIN_PAIRS_PORT,
  windowJoin,
  windowJoinKind,
  type JoinWindow,
  type WindowJoinOptions,
  type WindowJoinRef,
  type WindowJoinSpec,
} from './kinds/window-join.ts';
export { validate, validateKind, type ValidateSpec } from './kinds/validate.ts';
export {
  count,
  groupBy,
  reduce,
  type Aggregated,
  type Aggregator,
  type Counted,
  type Grouped,
  type KeyFn,
} from './keyed-helpers/aggregate.ts';
export { checkEmit, type EmitPolicy, type HelperOptions } from './keyed-helpers/emit-policy.ts';
export { topN, type Ranking } from './keyed-helpers/top-n.ts';
export { dedupe, type DedupeOptions } from './keyed-helpers/dedupe.ts';
export type { WindowedByOptions, WindowedCount, WindowedGroup, WindowedValue } from './keyed-helpers/windowed.ts';
export {
  window,
  windowKind,
  WINDOW_LATE_PORT,
  WINDOW_RESULTS_PORT,
  type WindowAggregate,
  type WindowBounds,
  type WindowedRef,
  type WindowOptions,
  type WindowResult,
  type WindowSpec,
} from './kinds/window.ts';
export {
  session,
  sliding,
  tumbling,
  windowsOf,
  type SessionWindows,
  type SlidingWindows,
  type TumblingWindows,
  type WindowAssigner,
  type WindowSpan,
} from './windows/assigners.ts';
export {
  formatIssuePath,
  formatIssues,
  isStandardSchema,
  recordIssue,
  SchemaValidationError,
  type InferSchemaInput,
  type InferSchemaOutput,
  type RecordIssue,
  type StandardSchemaIssue,
  type StandardSchemaPathSegment,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaTypes,
  type StandardSchemaV1,
} from './schema.ts';
export {
  filter,
  flatMap,
  merge,
  ref as stageRef,
  route,
  sink,
  source,
  stateful,
  transform,
  type OutputOf,
  type SinkRef,
  type StageRef,
} from './dsl.ts';
export { first, join, type JoinSpec } from './join.ts';
export { validateGraph, type GraphNode } from './graph.ts';
export { flow, type Flow } from './flow.ts';
