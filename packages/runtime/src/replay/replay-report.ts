import type { Clock, JournalStore, Logger } from '@sluice/core';

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** The original run's store: only read, never written. */
  readonly original: JournalStore;
  /** Where the replay writes its journals: must be empty. The caller owns (and closes) it. */
  readonly into: JournalStore;
  readonly logger?: Logger;
  /** Most records per batch, for stages that set none (default 1000). */
  readonly batchSize?: number;
  /** The replay's clock: processing-time stages (delay, a keyed timer) release on it. */
  readonly clock?: Clock;
}

/** One record that differs between the original and the replay (or is missing from one). */
export interface ReplayDifference {
  readonly stage: string;
  /** The record's seq in the original's journal (the replay's for an extra record). */
  readonly seq: number;
  /** The original's record as compared (kind, payload, cause, port, time); undefined when missing. */
  readonly expected: unknown;
  /** The replay's record as compared; undefined when the replay did not produce it. */
  readonly actual: unknown;
  /** The first field that differs (kind, payload, cause, port, time); absent for a missing or extra record. */
  readonly field?: string;
}

/**
 * What a replay found.
 * - `match`: every stage's output is the original's, record for record.
 * - `divergence`: some record differs; `first` is the first, in topological stage order, then seq.
 * - `incomplete`: the original run was cut off; the prefix it has matched (see `reason`).
 * - `refused`: nothing was replayed (the graph changed, `into` is not empty; see `reason`).
 */
export interface ReplayReport {
  readonly verdict: 'match' | 'divergence' | 'incomplete' | 'refused';
  /** Records that differ (or are missing or extra), over all stages. */
  readonly differences: number;
  readonly first?: ReplayDifference;
  /** Records compared per stage (the non-source, non-sink stages, in topological order). */
  readonly compared: readonly { readonly stage: string; readonly records: number }[];
  /** Why incomplete (which prefix was compared) or refused. */
  readonly reason?: string;
  /** Effect and command outcomes served from the journal instead of being called. */
  readonly effectsRecalled: number;
}
