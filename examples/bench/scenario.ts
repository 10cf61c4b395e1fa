import type { Meter } from './meter.ts';
import type { Pacer } from './pacer.ts';
import type { MemoryPeak } from './rss.ts';

/** The implementations measured side by side. */
export const IMPLS = ['raw', 'memory', 'sluice-lmdb', 'sluice-memory'] as const;

/** One implementation: hand-written on lmdb-js, RxJS in memory, or Sluice on a store. */
export type Impl = (typeof IMPLS)[number];

/** One measured run: which implementation, how many stages, how many records, how fast offered. */
export interface ScenarioSpec {
  readonly impl: Impl;
  /** Stages of the flow, source and sink included (2 = source → sink). */
  readonly stages: number;
  readonly records: number;
  /** Offered records/s; undefined = full speed. */
  readonly rate?: number;
  /** Most records per batch (Sluice's default, 1000). */
  readonly batch: number;
  /** Parent directory for the scenario's temporary LMDB environment. */
  readonly dir: string;
}

/** What a scenario's implementation gets: its spec, the source's records and the sink's meter. */
export interface ScenarioContext {
  readonly spec: ScenarioSpec;
  readonly pacer: Pacer;
  readonly meter: Meter;
  /** A fresh empty directory for the LMDB environment, removed afterwards. */
  readonly path: string;
}

/** What one run measured. */
export interface RunResult {
  readonly spec: ScenarioSpec;
  /** First record taken at the source to last record seen at the sink. */
  readonly elapsedMs: number;
  readonly recordsPerSec: number;
  /** End-to-end latency, source stamp to sink, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Process CPU time (user + system) per record over the whole scenario, µs. */
  readonly cpuUsPerRecord: number;
  readonly memory: MemoryPeak;
  /** Sluice only: mean records per batch at the sink. */
  readonly recordsPerBatch?: number;
}
