import type { EffectsRow } from './effects-suite.ts';
import type { Receiver } from './effects-scenario.ts';
import { count } from './targets.ts';

/** DBOS Transact on a local Postgres, three-step workflows/s on this machine class (the issue's figure, not measured here). */
export const DBOS_WORKFLOWS_PER_SEC = 230;

/** The issue's goals, as multiples of DBOS: 20× in-process, 10× with the local HTTP receiver. */
export const EFFECT_GOALS: Readonly<Record<Receiver, number>> = { 'in-process': 20, http: 10 };

/** The mark to aim for, in-process. */
const AIM = 100;

/**
 * The effects rows as a Markdown table: per batch size and receiver, events/s and effects/s
 * with three durable effects per event, beside the baseline that calls the receiver directly,
 * and the goal line of the issue.
 */
export function effectsTable(rows: readonly EffectsRow[]): string {
  const lines = [
    '| rec/batch | receiver | events/s, 3 effects each | effects/s | CPU µs/event | durable writes/batch (ms each) | baseline events/s (3 direct calls) | effects / baseline | × DBOS | goal (events/s) | met |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const durable = rows.filter((r) => r.mode === 'effects').sort((a, b) => a.receiver.localeCompare(b.receiver) || a.batch - b.batch);
  for (const row of durable) {
    const base = rows.find((r) => r.mode === 'direct' && r.receiver === row.receiver && r.batch === row.batch);
    const events = row.eventsPerSec.median;
    const goal = DBOS_WORKFLOWS_PER_SEC * EFFECT_GOALS[row.receiver];
    lines.push(
      `| ${[
        count(row.batch),
        row.receiver,
        `${count(events)} ±${(row.eventsPerSec.relative * 100).toFixed(0)}%`,
        count(row.effectsPerSec.median),
        row.cpuUsPerEvent.median.toFixed(0),
        `${row.writesPerBatch.toFixed(1)} (${row.msPerWrite.toFixed(1)})`,
        base === undefined ? '' : count(base.eventsPerSec.median),
        base === undefined ? '' : (events / base.eventsPerSec.median).toFixed(2),
        `${(events / DBOS_WORKFLOWS_PER_SEC).toFixed(1)}×`,
        `≥ ${count(goal)} (${String(EFFECT_GOALS[row.receiver])}×)`,
        events >= goal ? 'yes' : 'no',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The lines under the table that say where the goal comes from. */
export function effectsNote(): string {
  return [
    `Goal lines (issue 10): DBOS Transact on a local Postgres does about ${String(DBOS_WORKFLOWS_PER_SEC)} three-step workflows/s on this machine class;`,
    `goal ≥ ${String(EFFECT_GOALS['in-process'])}× = ${count(DBOS_WORKFLOWS_PER_SEC * EFFECT_GOALS['in-process'])} events/s in-process (${String(AIM)}× = ${count(DBOS_WORKFLOWS_PER_SEC * AIM)} is the mark to aim for),`,
    `≥ ${String(EFFECT_GOALS.http)}× = ${count(DBOS_WORKFLOWS_PER_SEC * EFFECT_GOALS.http)} events/s with the local HTTP receiver. Baseline: the same flow calling the receiver directly, no effects journaled.`,
    'Durable writes/batch: the transform\'s commits per batch (intents and outcomes, grouped, and the batch commit), each waited for one after the other.',
  ].join('\n');
}
