import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counterIn, gaugeIn, histogramIn } from './registered.ts';

/** Handler time buckets in seconds: 0.5 ms to 10 s. */
export const DEFAULT_HANDLER_SECONDS_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Records-per-batch buckets: 1 to 10,000 (the default batch is 1000). */
export const DEFAULT_BATCH_SIZE_BUCKETS: readonly number[] = [
  1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/** Every metric a PromMetrics writes to, as prom-client objects. */
export interface Families {
  readonly recordsIn: Counter;
  readonly recordsOut: Counter;
  readonly errors: Counter;
  readonly batchSize: Histogram;
  readonly handlerSeconds: Histogram;
  readonly lag: Gauge;
  readonly stalled: Gauge;
  readonly stalls: Counter;
  readonly stageState: Gauge;
  readonly flowState: Gauge;
  readonly startTime: Gauge;
  readonly uptime: Gauge;
  readonly previousRuns: Gauge;
  readonly stageRestarts: Counter;
  readonly stageIsolated: Gauge;
  readonly stageBackpressured: Gauge;
}

/** How {@link createFamilies} names and shapes the metrics. */
export interface FamilyOptions {
  readonly prefix: string;
  readonly handlerSecondsBuckets: readonly number[];
  readonly batchSizeBuckets: readonly number[];
  /** Runs at each scrape, before the uptime gauge is read. */
  readonly onCollect: () => void;
}

const STAGE = ['flow', 'stage'] as const;
const EDGE = ['flow', 'stage', 'upstream'] as const;

/**
 * Creates (or finds, when another flow already made them) the Sluice metrics in `registry`:
 * per stage records in/out/errors, batch size, handler time and state; per edge lag and
 * stalls; per flow state, start time, uptime and earlier runs; per stage restarts and isolation.
 */
export function createFamilies(registry: Registry, options: FamilyOptions): Families {
  const p = options.prefix;
  return {
    recordsIn: counterIn(registry, {
      name: `${p}stage_records_in_total`,
      help: 'Records a stage consumed from its upstream journals.',
      labelNames: STAGE,
    }),
    recordsOut: counterIn(registry, {
      name: `${p}stage_records_out_total`,
      help: 'Data records a stage appended to its journal.',
      labelNames: STAGE,
    }),
    errors: counterIn(registry, {
      name: `${p}stage_errors_total`,
      help: 'Records a stage sent to its error lane.',
      labelNames: STAGE,
    }),
    batchSize: histogramIn(registry, {
      name: `${p}stage_batch_size`,
      help: 'Records per committed batch: consumed, or for a source, read.',
      labelNames: STAGE,
      buckets: options.batchSizeBuckets,
    }),
    handlerSeconds: histogramIn(registry, {
      name: `${p}stage_handler_seconds`,
      help: 'Time the handler took per committed batch.',
      labelNames: STAGE,
      buckets: options.handlerSecondsBuckets,
    }),
    lag: gaugeIn(registry, {
      name: `${p}stage_lag_records`,
      help: 'Records an upstream has journaled that the stage has not consumed (upstream last seq - cursor).',
      labelNames: EDGE,
    }),
    stalled: gaugeIn(registry, {
      name: `${p}stage_stalled`,
      help: '1 while the edge has lag and its cursor has not moved for the stall timeout, else 0.',
      labelNames: EDGE,
    }),
    stalls: counterIn(registry, {
      name: `${p}stage_stalls_total`,
      help: 'Times an edge became stalled.',
      labelNames: EDGE,
    }),
    stageState: gaugeIn(registry, {
      name: `${p}stage_state`,
      help: 'Stage machine state: 1 for the current state, 0 for the others.',
      labelNames: [...STAGE, 'state'],
    }),
    flowState: gaugeIn(registry, {
      name: `${p}flow_state`,
      help: 'Pipeline machine state: 1 for the current state, 0 for the others.',
      labelNames: ['flow', 'state'],
    }),
    startTime: gaugeIn(registry, {
      name: `${p}flow_start_time_seconds`,
      help: 'When the run started, in seconds since the Unix epoch.',
      labelNames: ['flow'],
    }),
    uptime: gaugeIn(
      registry,
      {
        name: `${p}flow_uptime_seconds`,
        help: 'Seconds since the run started; frozen when it ends.',
        labelNames: ['flow'],
      },
      options.onCollect,
    ),
    previousRuns: gaugeIn(registry, {
      name: `${p}flow_previous_runs`,
      help: 'Earlier runs on the same data directory.',
      labelNames: ['flow'],
    }),
    stageRestarts: counterIn(registry, {
      name: `${p}stage_restarts_total`,
      help: 'Restarts of a stage whose loop failed, in this run.',
      labelNames: STAGE,
    }),
    stageBackpressured: gaugeIn(registry, {
      name: `${p}stage_backpressured`,
      help: '1 while the stage waits for its slowest consumer (it is maxLead records ahead).',
      labelNames: STAGE,
    }),
    stageIsolated: gaugeIn(registry, {
      name: `${p}stage_isolated`,
      help: '1 when the stage failed for good and was isolated; the rest of the flow goes on.',
      labelNames: STAGE,
    }),
  };
}
