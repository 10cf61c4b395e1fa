import type { Failure } from '@sluice/core';

/**
 * Entries of the process activity log (the `$system` journal), one vocabulary shared with
 * logs and the `/events` stream. Every entry carries the run id; the journal adds seq and time.
 */
export type ActivityEntry =
  | {
      readonly type: 'run.started';
      readonly run: string;
      readonly flow: string;
      readonly definitionHash: string;
      readonly stages: readonly string[];
      readonly options: Readonly<Record<string, unknown>>;
      readonly pid: number | undefined;
      /** Earlier runs on the data directory. */
      readonly previousRuns: number;
    }
  | {
      readonly type: 'run.recovered';
      readonly run: string;
      readonly previousRun: string | undefined;
      /** Seq of the previous run's last activity record. */
      readonly lastSeq: number;
      readonly message: string;
    }
  | { readonly type: 'pipeline.state'; readonly run: string; readonly from: string; readonly to: string }
  | {
      readonly type: 'stage.state';
      readonly run: string;
      readonly stage: string;
      readonly from: string;
      readonly to: string;
      /** Why, when `to` is `restarting` or `failed`. */
      readonly error?: string;
    }
  | {
      /** The stage's loop failed and it restarts after `delayMs` (restart number `attempt` of this run). */
      readonly type: 'stage.restarting';
      readonly run: string;
      readonly stage: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: Failure;
    }
  | {
      /** The stage failed for good under an `isolate` policy: its downstream waits, the rest goes on. */
      readonly type: 'stage.isolated';
      readonly run: string;
      readonly stage: string;
      readonly error: Failure;
    }
  | {
      /** The stage's circuit breaker opened (`reopened`: a trial call failed in half-open); calls fail fast for `openMs`. */
      readonly type: 'stage.circuit.opened';
      readonly run: string;
      readonly stage: string;
      readonly reopened: boolean;
      readonly openMs: number;
    }
  | {
      /** The stage's circuit breaker closed again: its trial calls succeeded. */
      readonly type: 'stage.circuit.closed';
      readonly run: string;
      readonly stage: string;
    }
  | {
      readonly type: 'signal';
      readonly run: string;
      readonly signal: 'pause' | 'resume' | 'stop';
      readonly mode?: 'graceful' | 'cancel';
      /** What asked: "api", "http", "SIGINT", "SIGTERM"… */
      readonly source: string;
      /** Set when the pipeline's state could not take it: the state it was in. The caller got an InvalidStateError. */
      readonly refusedIn?: string;
    }
  | {
      readonly type: 'stage.stalled' | 'stage.unstalled';
      readonly run: string;
      readonly stage: string;
      readonly upstream: string;
      readonly lag: number;
      readonly sinceMs: number;
    }
  | {
      /**
       * Recovery found an effect's intent without an outcome (the run ended during the call) and
       * called it again with the same key (`retry`) or failed its record without calling (`fail`).
       */
      readonly type: 'effect.unknownOutcome';
      readonly run: string;
      readonly stage: string;
      readonly effect: string;
      readonly key: string;
      /** The input record the call was for, as `stage#seq`. */
      readonly input: string;
      readonly action: 'retry' | 'fail';
    }
  | {
      /** A stage's notice (StageContext.note): a timer's missed ticks, say. */
      readonly type: 'stage.notice';
      readonly run: string;
      readonly stage: string;
      readonly kind: string;
      readonly message: string;
      readonly details?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'drain.completed'; readonly run: string; readonly elapsedMs: number }
  | {
      readonly type: 'shutdown';
      readonly run: string;
      /** Clean: completed, or stopped gracefully with everything journaled drained. */
      readonly clean: boolean;
      readonly state: string;
      readonly reason?: string;
    };

/** The kinds of activity entry. */
export type ActivityType = ActivityEntry['type'];

/** An activity entry as journaled. */
export type ActivityRecord = ActivityEntry & { readonly seq: number; readonly at: number };

/** The journal that holds the activity log. */
export const SYSTEM_JOURNAL = '$system';
