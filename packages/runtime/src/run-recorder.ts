import { thrownOf, type Logger, type Metrics } from '@sluice/core';
import { restartDelay, type PipelineSnapshot, type StageSnapshot } from '@sluice/fsm';
import type { ActivityLog } from './activity-log.ts';
import type { StallChange } from './liveness.ts';
import type { CircuitChange } from './protection/protections.ts';

/** What a {@link RunRecorder} writes to: one run's activity log, logger and metrics. */
export interface RunRecorderOptions {
  readonly runId: string;
  readonly activity: ActivityLog;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** A stage machine's snapshot now (undefined before the pipeline spawned it). */
  readonly stageNow: (stage: string) => StageSnapshot | undefined;
}

/**
 * Turns what the machines and the liveness monitor say into the run's record: activity-log
 * entries, log lines and metrics for stage transitions, restarts, isolations and stalls. It
 * decides nothing; the machines have.
 */
export class RunRecorder {
  /** Isolations already recorded (the pipeline's context lists them all). */
  private readonly isolatedSeen = new Set<string>();

  constructor(private readonly o: RunRecorderOptions) {}

  /** A stage machine moved from `from` to `to`'s state. */
  stageTransition(stage: string, from: string, to: StageSnapshot): void {
    const { activity, metrics, runId: run } = this.o;
    metrics.stageState(stage, to.value);
    const failure = to.value === 'failed' || to.value === 'restarting' ? to.context.error : undefined;
    activity.record({ type: 'stage.state', run, stage, from, to: to.value, ...(failure === undefined ? {} : { error: failure.message }) });
    if (to.value !== 'restarting' || failure === undefined) return;
    const attempt = to.context.restarts + 1;
    const delayMs = restartDelay(to.context);
    this.o.logger.warn(
      { stage, attempt, delayMs, err: thrownOf(failure) },
      `stage "${stage}" restarts in ${String(delayMs)} ms (restart ${String(attempt)}): ${failure.message}`,
    );
    activity.record({ type: 'stage.restarting', run, stage, attempt, delayMs, error: failure });
    metrics.stageRestarted(stage, attempt);
  }

  /** Stages the pipeline isolated since the last snapshot: logged, journaled, counted once each. */
  isolations(snapshot: PipelineSnapshot): void {
    for (const stage of snapshot.context.isolated) {
      if (this.isolatedSeen.has(stage)) continue;
      // The stage's own snapshot, not a watched copy: its subscribers may not have run yet.
      const error = this.o.stageNow(stage)?.context.error;
      if (error === undefined) continue;
      this.isolatedSeen.add(stage);
      this.o.logger.error(
        { stage, err: thrownOf(error) },
        `stage "${stage}" isolated: ${error.message}; its downstream waits, the rest of the flow goes on`,
      );
      this.o.activity.record({ type: 'stage.isolated', run: this.o.runId, stage, error });
      this.o.metrics.stageIsolated(stage);
    }
  }

  /**
   * A stage's circuit breaker changed state (`from` undefined: it was just made): the metric follows every change; the log and the activity log hear when it opens and closes.
   */
  circuit(change: CircuitChange): void {
    const { stage, from, to, openMs } = change;
    const { activity, metrics, logger, runId: run } = this.o;
    metrics.stageCircuit(stage, to);
    if (to === 'open') {
      logger.warn({ stage, openMs }, `stage "${stage}": circuit breaker opened; calls fail fast for ${String(openMs)} ms`);
      activity.record({ type: 'stage.circuit.opened', run, stage, reopened: from === 'half-open', openMs });
    } else if (to === 'closed' && from !== undefined) {
      logger.info({ stage }, `stage "${stage}": circuit breaker closed`);
      activity.record({ type: 'stage.circuit.closed', run, stage });
    }
  }

  /** An edge became stalled, or moves again. */
  stall(change: StallChange): void {
    this.o.metrics.stalled(change.stage, change.upstream, change.stalled);
    const fields = { stage: change.stage, upstream: change.upstream, lag: change.lag };
    if (change.stalled) {
      this.o.logger.warn(
        fields,
        `stage "${change.stage}" is stalled: ${String(change.lag)} records from "${change.upstream}" waiting, cursor still for ${String(change.sinceMs)} ms`,
      );
    } else {
      this.o.logger.info(fields, `stage "${change.stage}" moves again`);
    }
    this.o.activity.record({ type: change.stalled ? 'stage.stalled' : 'stage.unstalled', run: this.o.runId, ...change });
  }
}
