import type { Flow } from '@sluice/core';
import type { PipelineSnapshot } from '@sluice/fsm';
import type { RunSummary, StageSummary } from './options.ts';
import type { StageRunner } from './stage-runner.ts';
import type { WatchedStage } from './stage-watch.ts';
import type { EdgeStatus, FlowStatus } from './status.ts';

/** What a run did, from the final pipeline snapshot and each stage's last snapshot. */
export function summarize(
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
  const reason = failure === undefined ? {} : { failure: { stage: failure.stage, error: failure.error.message } };
  return { flow, runId, state, elapsedMs, stages: perStage, ...reason };
}

/** The facts of a running flow that its status is built from. */
export interface StatusInputs {
  readonly flow: Flow;
  readonly runId: string;
  readonly state: string;
  readonly startedAt: number;
  readonly now: number;
  readonly previousRuns: number;
  /** Stages the pipeline isolated. */
  readonly isolated: readonly string[];
  readonly stages: ReadonlyMap<string, WatchedStage>;
  readonly runners: ReadonlyMap<string, StageRunner>;
  readonly edges: ReadonlyMap<string, readonly EdgeStatus[]>;
}

/** Topology, each stage's state, counts, heartbeat and input edges. */
export function flowStatus(i: StatusInputs): FlowStatus {
  return {
    flow: i.flow.name,
    runId: i.runId,
    definitionHash: i.flow.definitionHash,
    state: i.state,
    startedAt: i.startedAt,
    uptimeMs: i.now - i.startedAt,
    previousRuns: i.previousRuns,
    stages: i.flow.stages.map((node) => {
      const last = i.stages.get(node.name)?.last;
      return {
        name: node.name,
        kind: node.kind,
        state: last?.value ?? 'created',
        batches: last?.context.batches ?? 0,
        in: last?.context.in ?? 0,
        out: last?.context.out ?? 0,
        errors: last?.context.errors ?? 0,
        restarts: last?.context.restarts ?? 0,
        backpressured: last?.context.backpressured ?? false,
        isolated: i.isolated.includes(node.name),
        ...(last?.context.error !== undefined && (last.value === 'restarting' || last.value === 'failed')
          ? { error: last.context.error.message }
          : {}),
        heartbeatAt: i.runners.get(node.name)?.heartbeatAt,
        inputs: i.edges.get(node.name) ?? [],
      };
    }),
  };
}
