import type { Impl, RunResult } from './scenario.ts';
import { spread, type Spread } from './stats.ts';

/** The repetitions of one scenario, summarized. */
export interface Row {
  readonly impl: Impl;
  readonly stages: number;
  readonly records: number;
  readonly rate: number | undefined;
  readonly recordsPerSec: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly maxMs: Spread;
  readonly cpuUsPerRecord: Spread;
  /** Sluice only: median of the sink's mean records per batch. */
  readonly recordsPerBatch: number | undefined;
  /** Highest peak over the repetitions. */
  readonly rssMb: number;
  readonly anonMb: number;
  readonly fileMb: number;
}

/** Groups runs by scenario (impl, stages, records, rate), in first-seen order. */
export function aggregate(results: readonly RunResult[]): Row[] {
  const groups = new Map<string, RunResult[]>();
  for (const result of results) {
    const { impl, stages, records, rate } = result.spec;
    const key = [impl, stages, records, rate ?? ''].join('|');
    const group = groups.get(key) ?? [];
    group.push(result);
    groups.set(key, group);
  }
  return [...groups.values()].map((runs) => {
    const [first] = runs;
    if (first === undefined) throw new Error('empty group');
    const of = (pick: (r: RunResult) => number): Spread => spread(runs.map(pick));
    const peak = (pick: (r: RunResult) => number): number => Math.max(...runs.map(pick));
    return {
      impl: first.spec.impl,
      stages: first.spec.stages,
      records: first.spec.records,
      rate: first.spec.rate,
      recordsPerSec: of((r) => r.recordsPerSec),
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      maxMs: of((r) => r.maxMs),
      cpuUsPerRecord: of((r) => r.cpuUsPerRecord),
      recordsPerBatch: first.recordsPerBatch === undefined ? undefined : of((r) => r.recordsPerBatch ?? 0).median,
      rssMb: peak((r) => r.memory.rssMb),
      anonMb: peak((r) => r.memory.anonMb),
      fileMb: peak((r) => r.memory.fileMb),
    };
  });
}

/** The row of `impl` in the same comparison group (stages and load) as `row`. */
export function peer(rows: readonly Row[], row: Row, impl: Impl): Row | undefined {
  return rows.find((r) => r.impl === impl && r.stages === row.stages && r.records === row.records && r.rate === row.rate);
}
