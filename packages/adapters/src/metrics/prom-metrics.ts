import { Registry, type Counter, type Gauge } from 'prom-client';
import { systemClock, type BatchSample, type Clock, type Metrics } from '@sluice/core';
import { registerDefaultMetrics } from './default-metrics.ts';
import {
  createFamilies,
  DEFAULT_BATCH_SIZE_BUCKETS,
  DEFAULT_HANDLER_SECONDS_BUCKETS,
  type Families,
} from './families.ts';
import { PIPELINE_STATES, TERMINAL_PIPELINE_STATES } from './lifecycle-states.ts';
import { counterIn, gaugeIn } from './registered.ts';
import { EdgeSeries, StageSeries } from './series.ts';
import { StateSeries } from './state-set.ts';

/** Options of {@link PromMetrics}. */
export interface PromMetricsOptions {
  /** The flow's name: the `flow` label of every series. */
  readonly flow: string;
  /**
   * Where the metrics are registered (default: a new registry, never prom-client's global
   * one). Flows of different names may share a registry. Prometheus text format only: an
   * OpenMetrics registry would append a second `_total` to the counters.
   */
  readonly registry?: Registry;
  /**
   * Also export prom-client's default process metrics (default true), under prom-client's own
   * names (`process_…`, `nodejs_…`): the prefix is not applied to them.
   */
  readonly collectDefaultMetrics?: boolean;
  /** Prefix of the flow's metric names (default `sluice_`). */
  readonly prefix?: string;
  /** The clock uptime is measured with; give the run's clock if it is not the system's. */
  readonly clock?: Clock;
  /** Buckets of `stage_handler_seconds` (default 0.5 ms to 10 s). */
  readonly handlerSecondsBuckets?: readonly number[];
  /** Buckets of `stage_batch_size` (default 1 to 10,000 records). */
  readonly batchSizeBuckets?: readonly number[];
}

/**
 * The metrics port on prom-client. Pass it as the `metrics` option of `run` and serve
 * `registry` at `/metrics` (see `startOpsServer`). Series carry `flow` and `stage` labels
 * (`upstream` for edges); stage and flow states are state sets (1 for the current state).
 * Calls are per batch and do no per-record work; each stage's labelled children are made
 * once, on first use.
 *
 * ```ts
 * const metrics = new PromMetrics({ flow: 'orders' });
 * const handle = run(orders, { metrics });
 * const ops = await startOpsServer({ handle, metrics, port: 9464 });
 * ```
 */
export class PromMetrics implements Metrics {
  /** The registry the metrics are in. */
  readonly registry: Registry;
  /** The `flow` label of every series. */
  readonly flow: string;
  private readonly clock: Clock;
  private readonly families: Families;
  private readonly stages = new Map<string, StageSeries>();
  private readonly edges = new Map<string, Map<string, EdgeSeries>>();
  private readonly flowSeries: StateSeries;
  private readonly prefix: string;
  /** Made on the first breaker change, so that a flow without breakers has no such series. */
  private circuits: { readonly state: Gauge; readonly opened: Counter } | undefined;
  private startedAt: number | undefined;
  private endedAt: number | undefined;

  constructor(options: PromMetricsOptions) {
    const prefix = options.prefix ?? 'sluice_';
    this.flow = options.flow;
    this.prefix = prefix;
    this.registry = options.registry ?? new Registry();
    this.clock = options.clock ?? systemClock;
    this.families = createFamilies(this.registry, {
      prefix,
      handlerSecondsBuckets: options.handlerSecondsBuckets ?? DEFAULT_HANDLER_SECONDS_BUCKETS,
      batchSizeBuckets: options.batchSizeBuckets ?? DEFAULT_BATCH_SIZE_BUCKETS,
      onCollect: () => this.collectUptime(),
    });
    this.flowSeries = new StateSeries(this.families.flowState, [this.flow], PIPELINE_STATES);
    this.flowSeries.enter('created');
    if (options.collectDefaultMetrics ?? true) registerDefaultMetrics(this.registry);
  }

  /** Counts a committed batch; a source's batch size is what it read (out + errors). */
  batch(stage: string, sample: BatchSample): void {
    const series = this.stage(stage);
    if (sample.in > 0) series.in.inc(sample.in);
    if (sample.out > 0) series.out.inc(sample.out);
    if (sample.errors > 0) series.errors.inc(sample.errors);
    series.batchSize.observe(sample.in > 0 ? sample.in : sample.out + sample.errors);
    series.handlerSeconds.observe(sample.handlerMs / 1000);
  }

  /** Sets the lag of the edge upstream → stage. */
  lag(stage: string, upstream: string, lag: number): void {
    this.edge(stage, upstream).lag.set(lag);
  }

  /** Marks the edge stalled (1) or moving (0); counts each change to stalled once. */
  stalled(stage: string, upstream: string, stalled: boolean): void {
    const edge = this.edge(stage, upstream);
    if (stalled && !edge.isStalled) edge.stalls.inc();
    edge.isStalled = stalled;
    edge.stalled.set(stalled ? 1 : 0);
  }

  /** Counts a restart of a failed stage. */
  stageRestarted(stage: string): void {
    this.families.stageRestarts.labels(this.flow, stage).inc();
  }

  /** Marks a stage isolated (1): it failed for good and the rest of the flow goes on. */
  stageIsolated(stage: string): void {
    this.families.stageIsolated.labels(this.flow, stage).set(1);
  }

  /** 1 while the stage waits for its slowest consumer (backpressure), else 0. */
  stageBackpressured(stage: string, waiting: boolean): void {
    this.families.stageBackpressured.labels(this.flow, stage).set(waiting ? 1 : 0);
  }

  /**
   * Sets `stage_circuit_state` (0 closed, 1 half-open, 2 open) and counts each opening in
   * `stage_circuit_opened_total`.
   */
  stageCircuit(stage: string, state: 'closed' | 'half-open' | 'open'): void {
    this.circuits ??= {
      state: gaugeIn(this.registry, {
        name: `${this.prefix}stage_circuit_state`,
        help: "The stage's circuit breaker: 0 closed, 1 half-open (trial calls), 2 open (calls fail fast).",
        labelNames: ['flow', 'stage'],
      }),
      opened: counterIn(this.registry, {
        name: `${this.prefix}stage_circuit_opened_total`,
        help: "Times the stage's circuit breaker opened, in this run.",
        labelNames: ['flow', 'stage'],
      }),
    };
    this.circuits.state.labels(this.flow, stage).set(CIRCUIT_LEVELS[state]);
    if (state === 'open') this.circuits.opened.labels(this.flow, stage).inc();
  }

  /** Moves the stage's state set to `state`. */
  stageState(stage: string, state: string): void {
    this.stage(stage).state.enter(state);
  }

  /** Moves the flow's state set to `state`; a terminal state freezes uptime. */
  flowState(state: string): void {
    this.flowSeries.enter(state);
    if (TERMINAL_PIPELINE_STATES.has(state)) this.endedAt ??= this.clock.now();
  }

  /** Records the run's start time and how many runs came before it on the data directory. */
  flowStarted(info: { readonly startedAt: number; readonly previousRuns: number }): void {
    this.startedAt = info.startedAt;
    this.endedAt = undefined;
    this.families.startTime.labels(this.flow).set(info.startedAt / 1000);
    this.families.previousRuns.labels(this.flow).set(info.previousRuns);
    this.collectUptime();
  }

  /** The registry in the Prometheus text format, as `/metrics` serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private collectUptime(): void {
    if (this.startedAt === undefined) return;
    const until = this.endedAt ?? this.clock.now();
    this.families.uptime.labels(this.flow).set(Math.max(0, until - this.startedAt) / 1000);
  }

  private stage(stage: string): StageSeries {
    let series = this.stages.get(stage);
    if (series === undefined) {
      series = new StageSeries(this.families, this.flow, stage);
      this.stages.set(stage, series);
    }
    return series;
  }

  private edge(stage: string, upstream: string): EdgeSeries {
    let byUpstream = this.edges.get(stage);
    if (byUpstream === undefined) {
      byUpstream = new Map();
      this.edges.set(stage, byUpstream);
    }
    let series = byUpstream.get(upstream);
    if (series === undefined) {
      series = new EdgeSeries(this.families, this.flow, stage, upstream);
      byUpstream.set(upstream, series);
    }
    return series;
  }
}

/** The value of `stage_circuit_state` per breaker state. */
const CIRCUIT_LEVELS = { closed: 0, 'half-open': 1, open: 2 } as const;
