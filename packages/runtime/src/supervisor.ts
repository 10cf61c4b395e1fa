import {
  ErrorCode,
  FlowDefinitionError,
  InvalidStateError,
  SluiceError,
  failureError,
  noopMetrics,
  thrownOf,
  silentLogger,
  systemClock,
  type Clock,
  type Flow,
  type Logger,
  type Metrics,
  type RestartPolicy,
} from '@sluice/core';
import {
  createPipelineActor,
  type PipelineActor,
  type PipelineEvent,
  type PipelineSnapshot,
} from '@sluice/fsm';
import { ActivityLog } from './activity-log.ts';
import { LivenessMonitor } from './liveness.ts';
import { RunRecorder } from './run-recorder.ts';
import type { RunOptions, RunSummary } from './options.ts';
import { recover } from './recovery.ts';
import { createRunnerSet } from './runner-set.ts';
import { createProtections, protectRunners, withCircuits } from './protection/protections.ts';
import type { StageGuard } from './protection/stage-guard.ts';
import type { StageRunner } from './stage-runner.ts';
import { watchStages, type WatchedStage } from './stage-watch.ts';
import type { EdgeStatus, FlowStatus } from './status.ts';
import { flowStatus, summarize } from './summary.ts';

/**
 * Supervises one run of a flow: binds the stage runners into the machines, recovers the data
 * directory before any stage starts, writes the activity log, watches liveness and turns the
 * pipeline's end into a summary. `run` wraps it in a PipelineHandle.
 */
export class Supervisor {
  readonly runId: string;
  readonly activity: ActivityLog;
  readonly actor: PipelineActor;
  readonly stages: Map<string, WatchedStage>;
  readonly done: Promise<RunSummary>;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  /** The run's clock: timers, backoff and the handles' timeouts. */
  readonly clock: Clock;
  private readonly runners: ReadonlyMap<string, StageRunner>;
  /** Rate limits and circuit breakers of the stages that have them. */
  private readonly guards: ReadonlyMap<string, StageGuard>;
  private readonly monitor: LivenessMonitor;
  private readonly startedAt: number;
  private previousRuns = 0;
  private pipelineState: string;
  private readonly recorder: RunRecorder;
  /** Edges as they were when the run ended: status() must not read a store that is closed. */
  private finalEdges: Map<string, EdgeStatus[]> | undefined;

  constructor(
    readonly flow: Flow,
    private readonly options: RunOptions,
  ) {
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
    this.logger = (options.logger ?? silentLogger).child({ flow: flow.name, run: this.runId });
    this.metrics = options.metrics ?? noopMetrics;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.activity = new ActivityLog(options.store, this.clock, (error) =>
      this.logger.error({ err: error }, 'activity log write failed'),
    );
    this.runners = createRunnerSet(flow, options, {
      flow: flow.name,
      store: options.store,
      logger: this.logger,
      metrics: this.metrics,
      clock: this.clock,
      backoff: { minMs: options.pollMinMs ?? 2, maxMs: options.pollMaxMs ?? 200 },
      settled: (stage) => this.settledStage(stage),
      countBatch: (stage, event) => {
        const handle = this.stages.get(stage)?.handle;
        if (handle?.snapshot().status === 'active') handle.send(event);
      },
      unknownOutcome: (stage, { effect, key, input, action }) =>
        this.activity.record({ type: 'effect.unknownOutcome', run: this.runId, stage, effect, key, input: `${input.stage}#${String(input.seq)}`, action }),
      notice: (stage, { kind, message, details }) => {
        this.logger.info({ stage, kind, ...details }, message);
        this.activity.record({ type: 'stage.notice', run: this.runId, stage, kind, message, ...(details === undefined ? {} : { details }) });
      },
    });
    const { stages, inspect } = options;
    this.guards = createProtections({ flow, stages, inspect, clock: this.clock, onCircuit: (change) => this.recorder.circuit(change) });
    protectRunners(flow, this.runners, this.guards);
    this.monitor = new LivenessMonitor(options.store, this.runners, this.clock, {
      checkEveryMs: options.livenessCheckMs ?? 1000,
      stallAfterMs: options.stallAfterMs ?? 30_000,
    });
    this.actor = this.createActor();
    this.pipelineState = this.actor.getSnapshot().value;
    this.recorder = new RunRecorder({
      runId: this.runId,
      activity: this.activity,
      logger: this.logger,
      metrics: this.metrics,
      stageNow: (stage) => this.stages.get(stage)?.handle.snapshot(),
    });
    this.stages = watchStages(this.actor, {
      names: new Set(flow.stages.map((s) => s.name)),
      clock: this.clock,
      onTransition: (stage, from, to) => this.recorder.stageTransition(stage, from, to),
      onBackpressure: (stage, waiting) => this.metrics.stageBackpressured(stage, waiting),
    });
    this.actor.subscribe((s) => this.onPipelineSnapshot(s));
    this.done = finished(this.actor).then((final) => this.finish(final));
  }

  /** Starts the pipeline. */
  start(): void {
    for (const guard of this.guards.values()) guard.start();
    this.actor.start();
    this.actor.send({ type: 'START' });
    this.logger.info({ stages: this.flow.stages.length, store: this.options.store.kind }, 'flow started');
  }

  /**
   * Sends a control event, recording the signal and its source in the activity log. One rule
   * for control the pipeline's state cannot take (a pause while starting, a resume while
   * running): it is recorded with `refusedIn` and throws an InvalidStateError naming the state.
   * Control after the run ended is a no-op: the run is over, there is nothing to refuse.
   */
  signal(event: PipelineEvent, source: string): void {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active' || snapshot.hasTag('terminal')) return;
    if (event.type === 'PAUSE' || event.type === 'RESUME' || event.type === 'STOP') {
      const signal = event.type === 'PAUSE' ? 'pause' : event.type === 'RESUME' ? 'resume' : 'stop';
      const mode = event.type === 'STOP' ? { mode: event.mode } : {};
      if (!snapshot.can(event)) {
        this.activity.record({ type: 'signal', run: this.runId, signal, source, ...mode, refusedIn: snapshot.value });
        throw new InvalidStateError(`cannot ${signal} flow "${this.flow.name}": the pipeline is ${snapshot.value}`);
      }
      this.activity.record({ type: 'signal', run: this.runId, signal, source, ...mode });
    }
    this.actor.send(event);
  }

  /** The flow's status now (or as it ended). */
  async status(): Promise<FlowStatus> {
    const status = flowStatus({
      flow: this.flow,
      runId: this.runId,
      state: this.actor.getSnapshot().value,
      startedAt: this.startedAt,
      now: this.clock.now(),
      previousRuns: this.previousRuns,
      isolated: this.actor.getSnapshot().context.isolated,
      stages: this.stages,
      runners: this.runners,
      edges: await this.edges(),
    });
    return withCircuits(status, this.guards);
  }

  private createActor(): PipelineActor {
    const runner = (stage: string): StageRunner => {
      const found = this.runners.get(stage);
      if (found === undefined) throw new FlowDefinitionError(`no stage "${stage}" in flow "${this.flow.name}"`, stage);
      return found;
    };
    return createPipelineActor({
      input: {
        flow: this.flow.name,
        stages: this.flow.stages.map((s) => s.name),
        // A kind says whether it reads from outside: a source kind defined elsewhere counts too.
        sources: this.flow.stages.filter((s) => s.type.source === true).map((s) => s.name),
        restart: this.restartPolicies(),
      },
      io: {
        // A failed initialize leaves nothing half open for the restart that may follow.
        initialize: (stage) =>
          runner(stage)
            .initialize()
            .catch(async (error: unknown) => {
              await runner(stage).reset();
              throw error;
            }),
        process: (stage, report) => runner(stage).start(report),
        drain: (stage, reason) => runner(stage).finish(reason),
      },
      materialize: () => this.materialize(),
      clock: this.clock,
      ...(this.options.inspect === undefined ? {} : { inspect: this.options.inspect }),
    });
  }

  /** Each stage's supervision: the DSL option wins over configured stage settings. */
  private restartPolicies(): Record<string, RestartPolicy> {
    const policies: Record<string, RestartPolicy> = {};
    for (const node of this.flow.stages) {
      const policy = node.options.restart ?? this.options.stages?.[node.name]?.restart;
      if (policy !== undefined) policies[node.name] = policy;
    }
    return policies;
  }

  /** Before any stage: recover the data directory, then write the run-started record ahead. */
  private async materialize(): Promise<void> {
    const { store, allowDefinitionChange = false } = this.options;
    await this.options.prepare?.();
    const report = await recover(store, this.flow, allowDefinitionChange);
    this.previousRuns = report.previousRuns;
    if (report.unclean !== undefined) {
      const { previousRun, lastSeq, message } = report.unclean;
      this.logger.warn({ previousRun, lastSeq }, message);
    }
    await this.activity.open([
      ...(report.unclean === undefined ? [] : [{ type: 'run.recovered' as const, run: this.runId, ...report.unclean }]),
      {
        type: 'run.started',
        run: this.runId,
        flow: this.flow.name,
        definitionHash: this.flow.definitionHash,
        stages: this.flow.stages.map((s) => s.name),
        options: this.options.configuration ?? {},
        pid: this.options.pid,
        previousRuns: this.previousRuns,
      },
    ]);
    this.metrics.flowStarted({ startedAt: this.startedAt, previousRuns: this.previousRuns });
    await this.options.beforeStart?.();
  }

  /**
   * Resolves once the stage has finished (drained, stopped) or failed for good: a stage that
   * restarts is not settled. Read from its machine, which the pipeline spawns before any loop
   * or drain asks.
   */
  private settledStage(stage: string): Promise<void> {
    const handle = this.stages.get(stage)?.handle;
    if (handle === undefined) return Promise.resolve();
    return handle.waitFor((s) => s.status !== 'active' || s.value === 'failed').then(
      () => undefined,
      () => undefined,
    );
  }

  private onPipelineSnapshot(snapshot: PipelineSnapshot): void {
    this.recorder.isolations(snapshot);
    if (snapshot.value === this.pipelineState) return;
    this.activity.record({ type: 'pipeline.state', run: this.runId, from: this.pipelineState, to: snapshot.value });
    this.pipelineState = snapshot.value;
    this.metrics.flowState(snapshot.value);
    if (snapshot.value === 'running') {
      this.monitor.start(
        (stage) => this.isRunning(stage),
        (stage, edge) => this.metrics.lag(stage, edge.upstream, edge.lag),
        (change) => this.recorder.stall(change),
      );
    }
  }

  private isRunning(stage: string): boolean {
    return this.stages.get(stage)?.last.value === 'running';
  }

  private async edges(): Promise<Map<string, EdgeStatus[]>> {
    return this.finalEdges ?? (await this.monitor.edges((stage) => this.isRunning(stage)));
  }

  /** After the pipeline's end: release the stages, write the shutdown record, summarize. */
  private async finish(final: PipelineSnapshot): Promise<RunSummary> {
    this.monitor.stop();
    try {
      this.finalEdges = await this.edges().catch(() => new Map<string, EdgeStatus[]>());
      await Promise.all([...this.runners.values()].map((r) => r.close()));
      if (this.activity.opened) await this.writeShutdown(final);
    } finally {
      this.activity.complete();
      for (const guard of this.guards.values()) guard.stop();
      this.actor.stop();
      await this.options.afterEnd?.();
    }
    const summary = summarize(this.flow.name, this.runId, final, this.stages, this.clock.now() - this.startedAt);
    this.logger.info({ state: summary.state, elapsedMs: summary.elapsedMs }, `flow ${summary.state}`);
    if (summary.state !== 'failed') return summary;
    const failure = final.context.failure;
    if (failure === undefined) throw new SluiceError(ErrorCode.Internal, `flow "${this.flow.name}" failed`);
    // A refusal (data directory in use, definition changed, port taken) is not a failed flow:
    // the caller gets the error as it was thrown.
    const thrown = thrownOf(failure.error);
    if (failure.stage === '(pipeline)' && thrown instanceof SluiceError) throw thrown;
    const where = failure.stage === '(pipeline)' ? '' : `stage "${failure.stage}": `;
    throw failureError(failure.error, `flow "${this.flow.name}" failed: ${where}${failure.error.message}`);
  }

  private async writeShutdown(final: PipelineSnapshot): Promise<void> {
    const { stopMode, isolated } = final.context;
    // Clean: everything journaled drained. An isolated stage left its input undrained.
    const clean = final.value === 'completed' || (final.value === 'stopped' && stopMode === 'graceful' && isolated.length === 0);
    if (clean) this.activity.record({ type: 'drain.completed', run: this.runId, elapsedMs: this.clock.now() - this.startedAt });
    const reason = final.context.failure?.error.message;
    this.activity.record({ type: 'shutdown', run: this.runId, clean, state: final.value, ...(reason === undefined ? {} : { reason }) });
    await this.activity.flush();
  }
}

function finished(actor: PipelineActor): Promise<PipelineSnapshot> {
  return new Promise((resolve) => {
    const check = (s: PipelineSnapshot): void => {
      if (s.hasTag('terminal')) resolve(s);
    };
    actor.subscribe({ next: check, error: () => resolve(actor.getSnapshot()) });
    check(actor.getSnapshot());
  });
}
