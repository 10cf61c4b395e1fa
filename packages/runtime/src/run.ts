import {
  ErrorCode,
  FlowDefinitionError,
  SluiceError,
  noopMetrics,
  silentLogger,
  systemClock,
  type Flow,
  type StageNode,
} from '@sluice/core';
import { createHandle, createPipelineActor, type PipelineActor, type PipelineEvent, type PipelineSnapshot, type StopMode } from '@sluice/fsm';
import { SYSTEM_JOURNAL, type ActivityEntry } from './activity.ts';
import { ActivityLog } from './activity-log.ts';
import { deferred } from './deferred.ts';
import { LivenessMonitor } from './liveness.ts';
import type { RunOptions, RunSummary, StageSummary } from './options.ts';
import type { PipelineHandle } from './pipeline-handle.ts';
import { recover } from './recovery.ts';
import { createRunner } from './runners.ts';
import type { RunnerDeps, StageRunner } from './stage-runner.ts';
import { watchStages, type WatchedStage } from './stage-watch.ts';
import type { EdgeStatus, FlowStatus } from './status.ts';

/**
 * Runs a flow: every stage as a supervised machine whose loop reads its upstream journals,
 * handles a batch and commits outputs and cursors in one transaction. Before any stage starts
 * it checks the data directory (definition hash, unclean last run) and writes the run-started
 * record of the activity log. Returns at once; the handle is awaitable and settles when the
 * flow completes, stops or fails.
 */
export function run(flow: Flow, options: RunOptions): PipelineHandle {
  const runId = options.runId ?? globalThis.crypto.randomUUID();
  const logger = (options.logger ?? silentLogger).child({ flow: flow.name, run: runId });
  const metrics = options.metrics ?? noopMetrics;
  const clock = options.clock ?? systemClock;
  const { store } = options;
  const activity = new ActivityLog(store, clock);
  // Until recovery has accepted the data directory nothing may be written to it, so
  // entries wait here; a refused run drops them.
  let logStarted = false;
  const early: ActivityEntry[] = [];
  const record = (entry: ActivityEntry): void => {
    if (!logStarted) {
      early.push(entry);
      return;
    }
    void activity.append(entry).catch((error: unknown) => logger.error({ err: error }, 'activity log write failed'));
  };
  let restarts = 0;
  let stopMode: StopMode | undefined;
  const settled = new Map(flow.stages.map((s) => [s.name, deferred<void>()]));
  const consumers = new Map<string, string[]>();
  for (const node of flow.stages) {
    for (const edge of node.inputs) consumers.set(edge.from.name, [...(consumers.get(edge.from.name) ?? []), node.name]);
  }
  const deps: RunnerDeps = {
    flow: flow.name,
    store,
    logger,
    metrics,
    clock,
    batchSize: options.batchSize ?? 1000,
    backoff: { minMs: options.pollMinMs ?? 2, maxMs: options.pollMaxMs ?? 200 },
    settled: (stage) => settled.get(stage)?.promise ?? Promise.resolve(),
    consumersOf: (stage) => consumers.get(stage) ?? [],
    leadOver: (stage, seq) => {
      let slowest = Infinity;
      for (const consumer of consumers.get(stage) ?? []) {
        for (const input of runners.get(consumer)?.inputs ?? []) {
          if (input.upstream === stage) slowest = Math.min(slowest, input.cursor);
        }
      }
      return slowest === Infinity ? 0 : seq - slowest;
    },
    maxLead: options.maxLead ?? 50_000,
    countBatch: (stage, event) => {
      const handle = stages.get(stage)?.handle;
      if (handle?.snapshot().status === 'active') handle.send(event);
    },
  };
  for (const name of Object.keys(options.stages ?? {})) {
    if (!settled.has(name)) throw new FlowDefinitionError(`settings for stage "${name}", which is not in flow "${flow.name}"`, name);
  }
  const batchSizeOf = (node: StageNode): number =>
    node.options.batchSize ?? options.stages?.[node.name]?.batchSize ?? deps.batchSize;
  const runners = new Map<string, StageRunner>(
    flow.stages.map((node) => [node.name, createRunner(node, { ...deps, batchSize: batchSizeOf(node) })]),
  );
  const runner = (stage: string): StageRunner => {
    const found = runners.get(stage);
    if (found === undefined) throw new FlowDefinitionError(`no stage "${stage}" in flow "${flow.name}"`, stage);
    return found;
  };
  const monitor = new LivenessMonitor(store, runners, clock, {
    checkEveryMs: options.livenessCheckMs ?? 1000,
    stallAfterMs: options.stallAfterMs ?? 30_000,
  });

  const materialize = async (): Promise<void> => {
    const report = await recover(store, flow, options.allowDefinitionChange ?? false);
    restarts = report.restarts;
    logStarted = true;
    if (report.unclean !== undefined) {
      logger.warn({ previousRun: report.unclean.previousRun, lastSeq: report.unclean.lastSeq }, report.unclean.message);
      record({ type: 'run.recovered', run: runId, ...report.unclean });
    }
    // Written ahead: the run-started record is durable before any stage starts.
    await activity.append({
      type: 'run.started',
      run: runId,
      flow: flow.name,
      definitionHash: flow.definitionHash,
      stages: flow.stages.map((s) => s.name),
      options: options.configuration ?? {},
      pid: options.pid,
      restarts,
    });
    for (const entry of early.splice(0)) record(entry);
    metrics.flowStarted({ startedAt, restarts });
    await options.beforeStart?.();
  };

  const actor = createPipelineActor({
    input: {
      flow: flow.name,
      stages: flow.stages.map((s) => s.name),
      sources: flow.stages.filter((s) => s.kind === 'source').map((s) => s.name),
    },
    io: {
      initialize: (stage) => runner(stage).initialize(),
      process: (stage, report) => runner(stage).start(report),
      drain: (stage, reason) => runner(stage).finish(reason),
    },
    materialize,
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });
  const stages = watchStages(actor, new Set(settled.keys()), (stage, from, to) => {
    metrics.stageState(stage, to.value);
    const error = to.value === 'failed' ? to.context.error : undefined;
    record({ type: 'stage.state', run: runId, stage, from, to: to.value, ...(error === undefined ? {} : { error }) });
    if (to.status === 'done' || to.value === 'failed') settled.get(stage)?.resolve();
  });
  let pipelineState: string = actor.getSnapshot().value;
  actor.subscribe((s) => {
    if (s.value === pipelineState) return;
    record({ type: 'pipeline.state', run: runId, from: pipelineState, to: s.value });
    pipelineState = s.value;
    metrics.flowState(s.value);
    if (s.value === 'running') startMonitor();
  });
  const startMonitor = (): void => {
    monitor.start(
      (stage) => stages.get(stage)?.last.value === 'running',
      (stage, edge) => metrics.lag(stage, edge.upstream, edge.lag),
      (change) => {
        metrics.stalled(change.stage, change.upstream, change.stalled);
        const log = change.stalled ? logger.warn.bind(logger) : logger.info.bind(logger);
        log({ stage: change.stage, upstream: change.upstream, lag: change.lag }, change.stalled
          ? `stage "${change.stage}" is stalled: ${String(change.lag)} records from "${change.upstream}" waiting, cursor still for ${String(change.sinceMs)} ms`
          : `stage "${change.stage}" moves again`);
        record({ type: change.stalled ? 'stage.stalled' : 'stage.unstalled', run: runId, ...change });
      },
    );
  };

  const startedAt = clock.now();
  // Edges as they were when the run ended: status() must not read a store that is closed.
  let finalEdges: Map<string, EdgeStatus[]> | undefined;
  const edgesNow = async (): Promise<Map<string, EdgeStatus[]>> =>
    finalEdges ?? (await monitor.edges((stage) => stages.get(stage)?.last.value === 'running'));
  const done = finished(actor).then(async (final) => {
    monitor.stop();
    try {
      finalEdges = await edgesNow().catch(() => new Map<string, EdgeStatus[]>());
      await Promise.all([...runners.values()].map((r) => r.close()));
      if (logStarted) await writeShutdown(final);
    } finally {
      activity.complete();
      actor.stop();
      await options.afterEnd?.();
    }
    const summary = summarize(flow.name, runId, final, stages, clock.now() - startedAt);
    logger.info({ state: summary.state, elapsedMs: summary.elapsedMs }, `flow ${summary.state}`);
    if (summary.state === 'failed') {
      const failure = summary.failure;
      throw new SluiceError(ErrorCode.HandlerFailed, `flow "${flow.name}" failed: ${failure?.error ?? 'unknown error'}`, {
        ...(failure === undefined ? {} : { stage: failure.stage }),
      });
    }
    return summary;
  });
  const writeShutdown = async (final: PipelineSnapshot): Promise<void> => {
    const clean = final.value === 'completed' || (final.value === 'stopped' && stopMode === 'graceful');
    if (clean) record({ type: 'drain.completed', run: runId, elapsedMs: clock.now() - startedAt });
    record({ type: 'shutdown', run: runId, clean, state: final.value, ...(final.context.failure ? { reason: final.context.failure.error } : {}) });
    await activity.flush();
  };

  // Control after the run ended is a no-op, not an event to a stopped actor.
  const send = (event: PipelineEvent): void => {
    if (actor.getSnapshot().status === 'active') actor.send(event);
  };
  const signal = (event: PipelineEvent, source: string): void => {
    if (event.type === 'PAUSE' || event.type === 'RESUME' || event.type === 'STOP') {
      const mode = event.type === 'STOP' ? { mode: event.mode } : {};
      record({ type: 'signal', run: runId, signal: event.type === 'PAUSE' ? 'pause' : event.type === 'RESUME' ? 'resume' : 'stop', source, ...mode });
      if (event.type === 'STOP' && (stopMode === undefined || event.mode === 'cancel')) stopMode = event.mode;
    }
    send(event);
  };
  const status = async (): Promise<FlowStatus> => {
    const edges = await edgesNow();
    return {
      flow: flow.name,
      runId,
      definitionHash: flow.definitionHash,
      state: actor.getSnapshot().value,
      startedAt,
      uptimeMs: clock.now() - startedAt,
      restarts,
      stages: flow.stages.map((node) => {
        const c = stages.get(node.name)?.last.context;
        return {
          name: node.name,
          kind: node.kind,
          state: stages.get(node.name)?.last.value ?? 'created',
          batches: c?.batches ?? 0,
          in: c?.in ?? 0,
          out: c?.out ?? 0,
          errors: c?.errors ?? 0,
          heartbeatAt: runners.get(node.name)?.heartbeatAt,
          inputs: edges.get(node.name) ?? [],
        };
      }),
    };
  };

  const handle = createHandle(actor);
  actor.start();
  actor.send({ type: 'START' });
  logger.info({ stages: flow.stages.length, store: store.kind }, 'flow started');
  return {
    ...handle,
    send: (event) => signal(event, 'api'),
    runId,
    flow,
    done,
    activity$: activity.records$,
    activityAfter: async (afterSeq, limit = 1000) =>
      (await store.read(SYSTEM_JOURNAL, afterSeq, limit)).map(
        (r) => ({ ...(r.payload as ActivityEntry), seq: r.seq, at: r.at }),
      ),
    status,
    stage: (name) => stages.get(name)?.handle,
    pause: (source = 'api') => signal({ type: 'PAUSE' }, source),
    resume: (source = 'api') => signal({ type: 'RESUME' }, source),
    stop: (mode = 'graceful', source = 'api') => {
      signal({ type: 'STOP', mode }, source);
      return done;
    },
    then: (onFulfilled, onRejected) => done.then(onFulfilled, onRejected),
  };
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

function summarize(
  flow: string,
  runId: string,
  final: PipelineSnapshot,
  stages: ReadonlyMap<string, WatchedStage>,
  elapsedMs: number,
): RunSummary {
  const perStage: Record<string, StageSummary> = {};
  for (const [name, { last }] of stages) {
    const c = last.context;
    perStage[name] = { state: last.value, batches: c.batches, in: c.in, out: c.out, errors: c.errors };
  }
  const state = final.value === 'completed' ? 'completed' : final.value === 'failed' ? 'failed' : 'stopped';
  const failure = final.context.failure;
  return { flow, runId, state, elapsedMs, stages: perStage, ...(failure === undefined ? {} : { failure }) };
}
