import { IMPLS, type Impl, type ScenarioSpec } from './scenario.ts';

/** What a bench run measures. */
export interface Plan {
  readonly mode: 'quick' | 'full';
  readonly impls: readonly Impl[];
  readonly stages: readonly number[];
  /** Record counts of the full-speed runs. */
  readonly records: readonly number[];
  /** Offered records/s of the paced runs, and how long each lasts. */
  readonly rate: number;
  readonly rateSeconds: number;
  readonly reps: number;
  readonly batch: number;
  readonly dir: string;
}

/** Defaults of the full run (minutes) and of `--quick` (under a minute). */
export function defaultPlan(quick: boolean, dir: string): Plan {
  return quick
    ? { mode: 'quick', impls: IMPLS, stages: [3], records: [100_000], rate: 10_000, rateSeconds: 2, reps: 3, batch: 1000, dir }
    : { mode: 'full', impls: IMPLS, stages: [2, 3, 5], records: [100_000, 1_000_000], rate: 10_000, rateSeconds: 3, reps: 3, batch: 1000, dir };
}

/**
 * Every run of the plan in execution order: repetition by repetition, and within one
 * comparison group (stages × load) every implementation back to back, so that a drift of the
 * machine hits all of them alike.
 */
export function schedule(plan: Plan): ScenarioSpec[] {
  const groups: { stages: number; records: number; rate?: number }[] = [];
  for (const stages of plan.stages) {
    for (const records of plan.records) groups.push({ stages, records });
    groups.push({ stages, records: plan.rate * plan.rateSeconds, rate: plan.rate });
  }
  const runs: ScenarioSpec[] = [];
  for (let rep = 0; rep < plan.reps; rep++) {
    for (const group of groups) {
      for (const impl of plan.impls) runs.push({ ...group, impl, batch: plan.batch, dir: plan.dir });
    }
  }
  return runs;
}
