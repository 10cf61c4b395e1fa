import type { MemoryPeak } from './rss.ts';

/** Who the effects call: an async function in the flow's process, or a local HTTP server. */
export const RECEIVERS = ['in-process', 'http'] as const;

/** One receiver of {@link RECEIVERS}. */
export type Receiver = (typeof RECEIVERS)[number];

/**
 * How the transform reaches the receiver: through three durable `ctx.effect` calls, or by
 * calling it three times directly (the baseline: the same work without durable effects).
 */
export const CALL_MODES = ['effects', 'direct'] as const;

/** One mode of {@link CALL_MODES}. */
export type CallMode = (typeof CALL_MODES)[number];

/** Calls each event makes (three steps, as in the three-step workflows of the goal). */
export const CALLS_PER_EVENT = 3;

/** One run of the effects scenario: source → transform (3 calls per event) → sink, on LMDB. */
export interface EffectsSpec {
  readonly receiver: Receiver;
  readonly mode: CallMode;
  /** Most records per batch, of every stage. */
  readonly batch: number;
  readonly records: number;
  /** Handler calls at once in the transform (its `concurrency`). */
  readonly concurrency: number;
  /** Parent directory of the run's temporary LMDB environment. */
  readonly dir: string;
  /** The HTTP receiver's URL (receiver `http` only). */
  readonly url?: string;
}

/** What one run of the effects scenario measured. */
export interface EffectsResult {
  readonly spec: EffectsSpec;
  /** First record taken at the source to last record seen at the sink. */
  readonly elapsedMs: number;
  readonly eventsPerSec: number;
  /** Calls per second, `eventsPerSec` × {@link CALLS_PER_EVENT}. */
  readonly effectsPerSec: number;
  /** Process CPU time (user + system) per event, µs; the HTTP receiver's process not included. */
  readonly cpuUsPerEvent: number;
  /** The sink's mean records per batch. */
  readonly recordsPerBatch: number;
  /** The transform's durable writes per batch: intents and outcomes (grouped) and the batch commit. */
  readonly writesPerBatch: number;
  /** Mean time from asking one of those writes to its being durable, ms. */
  readonly msPerWrite: number;
  /** Calls the in-process receiver took (the HTTP receiver counts its own). */
  readonly calls: number;
  readonly memory: MemoryPeak;
}
