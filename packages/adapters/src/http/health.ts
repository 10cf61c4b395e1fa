import type { ServerResponse } from 'node:http';
import type { PipelineHandle } from '@sluice/runtime';
import { sendJson } from './respond.ts';

/** What `/health` answers: liveness and readiness from the machines' states. */
export interface Health {
  /** False once the pipeline failed. */
  readonly live: boolean;
  /** True while the pipeline is running or paused and no stage has failed. */
  readonly ready: boolean;
  /** The pipeline machine's state. */
  readonly state: string;
  /** Each stage machine's state (`created` before the stage is spawned). */
  readonly stages: Readonly<Record<string, string>>;
  /** Why the flow is not ready (or not live); absent when it is. */
  readonly reason?: string;
}

/** Reads health from the machines' snapshots; touches no store, so it works after the run. */
export function healthOf(handle: PipelineHandle): Health {
  const snapshot = handle.snapshot();
  const state = snapshot.value;
  const stages: Record<string, string> = {};
  for (const node of handle.flow.stages) {
    stages[node.name] = handle.stage(node.name)?.snapshot().value ?? 'created';
  }
  const failedStage = Object.keys(stages).find((name) => stages[name] === 'failed');
  const live = state !== 'failed';
  const ready = (state === 'running' || state === 'paused') && failedStage === undefined;
  if (ready) return { live, ready, state, stages };
  const failure = snapshot.context.failure;
  const reason =
    state === 'failed'
      ? `pipeline failed${failure === undefined ? '' : `: ${failure.stage === '(pipeline)' ? '' : `stage "${failure.stage}": `}${failure.error.message}`}`
      : failedStage !== undefined
        ? `stage "${failedStage}" failed`
        : `pipeline is ${state}`;
  return { live, ready, state, stages, reason };
}

/** Which check a health route answers with its status code. */
export type HealthCheck = 'live' | 'ready' | 'both';

/**
 * Answers a health route: 200 when the check passes, else 503; the body is always the full
 * {@link Health}. `both` (`/health`) passes when live and ready.
 */
export function serveHealth(res: ServerResponse, handle: PipelineHandle, check: HealthCheck): void {
  const health = healthOf(handle);
  const ok =
    check === 'live' ? health.live : check === 'ready' ? health.ready : health.live && health.ready;
  sendJson(res, ok ? 200 : 503, health);
}
