import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Families } from './families.ts';
import { STAGE_STATES } from './lifecycle-states.ts';
import { StateSeries } from './state-set.ts';

/**
 * The labelled children of one stage, made once so that a batch costs a few `inc` and
 * `observe` calls and no label objects. Counters start at 0 so that `rate()` sees the stage
 * from its start.
 */
export class StageSeries {
  readonly in: Counter.Internal;
  readonly out: Counter.Internal;
  readonly errors: Counter.Internal;
  readonly batchSize: Histogram.Internal<string>;
  readonly handlerSeconds: Histogram.Internal<string>;
  readonly state: StateSeries;

  constructor(families: Families, flow: string, stage: string) {
    this.in = families.recordsIn.labels(flow, stage);
    this.out = families.recordsOut.labels(flow, stage);
    this.errors = families.errors.labels(flow, stage);
    for (const counter of [this.in, this.out, this.errors]) counter.inc(0);
    families.batchSize.zero({ flow, stage });
    families.handlerSeconds.zero({ flow, stage });
    this.batchSize = families.batchSize.labels(flow, stage);
    this.handlerSeconds = families.handlerSeconds.labels(flow, stage);
    this.state = new StateSeries(families.stageState, [flow, stage], STAGE_STATES);
  }
}

/** The labelled children of one input edge of a stage: lag and stalls. */
export class EdgeSeries {
  readonly lag: Gauge.Internal<string>;
  readonly stalled: Gauge.Internal<string>;
  readonly stalls: Counter.Internal;
  /** Whether the edge is stalled now; a stall is counted only on the change to true. */
  isStalled = false;

  constructor(families: Families, flow: string, stage: string, upstream: string) {
    this.lag = families.lag.labels(flow, stage, upstream);
    this.stalled = families.stalled.labels(flow, stage, upstream);
    this.stalls = families.stalls.labels(flow, stage, upstream);
    this.stalled.set(0);
    this.stalls.inc(0);
  }
}
