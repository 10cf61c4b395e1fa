import type { Clock, JournalStore, Logger, Metrics, StageOptions } from '@sluice/core';
import type { InspectionObserver } from '@sluice/fsm';
import type { ReplayMode } from './replay/replay-mode.ts';

/** Options of {@link run}. Only `store` is required. */
export interface RunOptions {
  /** Where journals, cursors and state live. The caller owns it: `run` does not close it. */
  readonly store: JournalStore;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** An id for this run, on every log line; generated when omitted. */
  readonly runId?: string;
  /** Most records per batch, for stages that set none (default 1000). */
  readonly batchSize?: number;
  /**
   * Backpressure: a stage that has journaled this many records more than its slowest consumer
   * has consumed waits for it (default 50,000). Bounds memory on the in-memory store and how
   * far a fast source runs ahead.
   */
  readonly maxLead?: number;
  /**
   * Per-stage settings from configuration, by stage name. Options given to a stage in the
   * DSL win over these; an unknown stage name is an error.
   */
  readonly stages?: Readonly<Record<string, StageOptions>>;
  /** Polling backoff when no commit notification arrives (default 2..200 ms). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** Receives XState inspection events from the pipeline and every stage actor. */
  readonly inspect?: InspectionObserver;
  /**
   * Runs first, before recovery touches the store (bind a port, take a lock). A rejection
   * refuses the run: nothing is written and the handle rejects with that error as it was thrown.
   */
  readonly prepare?: () => Promise<void>;
  /** Runs after recovery and the run-started record, before any stage starts. */
  readonly beforeStart?: () => Promise<void>;
  /** Runs on a data directory whose flow definition changed (default false: refused). */
  readonly allowDefinitionChange?: boolean;
  /** An edge with lag whose cursor has not moved for this long is stalled (default 30000). */
  readonly stallAfterMs?: number;
  /** How often lag and stalls are checked (default 1000). */
  readonly livenessCheckMs?: number;
  /** The effective configuration, written in the run-started record. */
  readonly configuration?: Readonly<Record<string, unknown>>;
  /** The process id, written in the run-started record. */
  readonly pid?: number;
  /** Runs once the run has ended, whatever the outcome, before the handle settles (e.g. close the store). */
  readonly afterEnd?: () => Promise<void>;
  /**
   * Replay mode (what `replay()` runs with): an effect or command is answered from the effects
   * journal and never called; one with no recorded outcome fails its record with
   * REPLAY_UNRECORDED. An object also hears of each effect recalled.
   */
  readonly replay?: boolean | ReplayMode;
}

/** Per-stage figures at the end of a run. */
export interface StageSummary {
  readonly state: string;
  readonly batches: number;
  readonly in: number;
  readonly out: number;
  readonly errors: number;
}

/** What a run did. `state` is how it ended. */
export interface RunSummary {
  readonly flow: string;
  readonly runId: string;
  readonly state: 'completed' | 'stopped' | 'failed';
  readonly elapsedMs: number;
  readonly stages: Readonly<Record<string, StageSummary>>;
  readonly failure?: { readonly stage: string; readonly error: string };
}
