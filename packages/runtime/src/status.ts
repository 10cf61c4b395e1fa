import type { CircuitStatus } from './protection/circuit-breaker.ts';
import { delayStatus } from './kinds/delay.ts';
import type { JournalStore, StageKind } from '@sluice/core';

/** One input edge of a stage: how far behind its upstream it is. */
export interface EdgeStatus {
  /** The upstream stage (with `#port` for a route output). */
  readonly upstream: string;
  readonly cursor: number;
  readonly upstreamSeq: number;
  /** Upstream records not consumed yet (upstreamSeq − cursor). */
  readonly lag: number;
  /** True when there is lag and the cursor has not moved for the stall timeout. */
  readonly stalled: boolean;
}

/** A stage as `/flow` and `sluice status` show it. */
export interface StageStatus {
  readonly name: string;
  readonly kind: StageKind;
  readonly state: string;
  readonly batches: number;
  readonly in: number;
  readonly out: number;
  readonly errors: number;
  /** True while it waits for its slowest consumer: `maxLead` records ahead (backpressure). */
  readonly backpressured: boolean;
  /** Restarts of this stage in this run, after its loop failed. */
  readonly restarts: number;
  /** True when it failed for good and was isolated: its downstream waits, the rest goes on. */
  readonly isolated: boolean;
  /** Why it is restarting or failed. */
  readonly error?: string;
  /** Clock time of the stage loop's last turn. */
  readonly heartbeatAt: number | undefined;
  readonly inputs: readonly EdgeStatus[];
  /** The circuit breaker, on a stage that has one. */
  readonly circuit?: CircuitStatus;
  /** On a delay stage: the records it holds and when the first of them is due. */
  readonly delay?: DelayStatus;
}

/** What a delay stage holds, from its keyed state (durable: the same after a restart). */
export interface DelayStatus {
  /** Records waiting for their due time. */
  readonly pending: number;
  /** Clock time (ms) the earliest pending record is due; null when none is pending. */
  readonly nextDueAt: number | null;
}

/** A running flow: topology, each stage's state, counts and lag. */
export interface FlowStatus {
  readonly flow: string;
  readonly runId: string;
  readonly definitionHash: string;
  readonly state: string;
  readonly startedAt: number;
  readonly uptimeMs: number;
  /** Earlier runs on the same data directory. */
  readonly previousRuns: number;
  readonly stages: readonly StageStatus[];
}


/**
 * `status` with each delay stage's {@link DelayStatus}, as `/flow` shows it. After the run the
 * store may be closed: a stage whose figures cannot be read is shown without them.
 */
export async function withDelays(status: FlowStatus, store: JournalStore): Promise<FlowStatus> {
  if (!status.stages.some((stage) => stage.kind === 'delay')) return status;
  const withDelay = async (stage: StageStatus): Promise<StageStatus> => {
    if (stage.kind !== 'delay') return stage;
    const delay = await delayStatus(store, stage.name).catch(() => undefined);
    return delay === undefined ? stage : { ...stage, delay };
  };
  return { ...status, stages: await Promise.all(status.stages.map(withDelay)) };
}
