import { silentLogger, noopMetrics, systemClock, FlowDefinitionError, SluiceError, ErrorCode, type Flow } from '@sluice/core';
import {
  createHandle,
  createPipelineActor,
  type MachineHandle,
  type PipelineActor,
  type PipelineEvent,
  type PipelineSnapshot,
  type StageActor,
  type StageEvent,
  type StageSnapshot,
} from '@sluice/fsm';
import { deferred, type Deferred } from './deferred.ts';
import type { RunOptions, RunSummary, StageSummary } from './options.ts';
import type { PipelineHandle } from './pipeline-handle.ts';
import { createRunner } from './runners.ts';
import type { RunnerDeps, StageRunner } from './stage-runner.ts';

/**
 * Runs a flow: every stage as a supervised machine whose loop reads its upstream journals,
 * handles a batch and commits outputs and cursors in one transaction. Returns at once; the
 * handle is awaitable and settles when the flow completes, stops or fails.
 */
export function run(flow: Flow, options: RunOptions): PipelineHandle {
  const runId = options.runId ?? globalThis.crypto.randomUUID();
  const logger = (options.logger ?? silentLogger).child({ flow: flow.name, run: runId });
  const metrics = options.metrics ?? noopMetrics;
  const clock = options.clock ?? systemClock;
  const settled = new Map(flow.stages.map((s) => [s.name, deferred<void>()]));
  const deps: RunnerDeps = {
    flow: flow.name,
    store: options.store,
    logger,
    metrics,
    clock,
    batchSize: options.batchSize ?? 1000,
    backoff: { minMs: options.pollMinMs ?? 2, maxMs: options.pollMaxMs ?? 200 },
    settled: (stage) => settled.get(stage)?.promise ?? Promise.resolve(),
  };
  const runners = new Map<string, StageRunner>(
    flow.stages.map((node) => [
      node.name,
      createRunner(node, { ...deps, batchSize: node.options.batchSize ?? deps.batchSize }),
    ]),
  );
  const runner = (stage: string): StageRunner => {
    const found = runners.get(stage);
    if (found === undefined) throw new FlowDefinitionError(`no stage "${stage}" in flow "${flow.name}"`, stage);
    return found;
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
    materialize: options.beforeStart ?? (() => Promise.resolve()),
    ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
  });
  const stages = watchStages(actor, settled, metrics.stageState.bind(metrics));
  const handle = createHandle(actor);
  const started = clock.now();
  actor.subscribe((s) => metrics.flowState(s.value));
  const done = finished(actor).then(async (final) => {
    try {
      await Promise.all([...runners.values()].map((r) => r.close()));
    } finally {
      actor.stop();
      await options.afterEnd?.();
    }
    const summary = summarize(flow.name, runId, final, stages, clock.now() - started);
    logger.info({ state: summary.state, elapsedMs: summary.elapsedMs }, `flow ${summary.state}`);
    if (summary.state === 'failed') {
      const failure = summary.failure;
      throw new SluiceError(ErrorCode.HandlerFailed, `flow "${flow.name}" failed: ${failure?.error ?? 'unknown error'}`, {
        ...(failure === undefined ? {} : { stage: failure.stage }),
      });
    }
    return summary;
  });
  // Control after the run ended is a no-op, not an event to a stopped actor.
  const send = (event: PipelineEvent): void => {
    if (actor.getSnapshot().status === 'active') actor.send(event);
  };
  actor.start();
  actor.send({ type: 'START' });
  logger.info({ stages: flow.stages.length, store: options.store.kind }, 'flow started');

  return {
    ...handle,
    send,
    runId,
    flow,
    done,
    stage: (name) => stages.get(name)?.handle,
    pause: () => send({ type: 'PAUSE' }),
    resume: () => send({ type: 'RESUME' }),
    stop: (mode = 'graceful') => {
      send({ type: 'STOP', mode });
      return done;
    },
    then: (onFulfilled, onRejected) => done.then(onFulfilled, onRejected),
  };
}

interface WatchedStage {
  readonly handle: MachineHandle<StageSnapshot, StageEvent>;
  last: StageSnapshot;
}

/** Tracks stage actors as the pipeline spawns them: handles, metrics, and settled signals. */
function watchStages(
  actor: PipelineActor,
  settled: ReadonlyMap<string, Deferred<void>>,
  reportState: (stage: string, state: string) => void,
): Map<string, WatchedStage> {
  const stages = new Map<string, WatchedStage>();
  actor.subscribe((snapshot) => {
    for (const [name, child] of Object.entries(snapshot.children)) {
      if (child === undefined || stages.has(name) || !settled.has(name)) continue;
      const stageActor = child as unknown as StageActor;
      const watched: WatchedStage = { handle: createHandle(stageActor), last: stageActor.getSnapshot() };
      stages.set(name, watched);
      stageActor.subscribe((s: StageSnapshot) => {
        watched.last = s;
        reportState(name, s.value);
        if (s.status === 'done' || s.value === 'failed') settled.get(name)?.resolve();
      });
    }
  });
  return stages;
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
