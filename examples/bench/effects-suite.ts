import { fileURLToPath } from 'node:url';
import { forkChild } from './fork.ts';
import { CALL_MODES, CALLS_PER_EVENT, RECEIVERS, type CallMode, type EffectsResult, type EffectsSpec, type Receiver } from './effects-scenario.ts';
import { startHttpReceiver, type HttpReceiver } from './receiver.ts';
import { spread, type Spread } from './stats.ts';
import { count } from './targets.ts';

const CHILD = fileURLToPath(new URL('./effects-child.ts', import.meta.url));

/** Records per batch measured, as the issue asks. */
export const EFFECT_BATCHES = [1, 10, 100, 1000] as const;

/** Events per run by batch size: enough for a few seconds at each, fewer with `--quick`. */
const RECORDS: Readonly<Record<'quick' | 'full', Readonly<Record<number, number>>>> = {
  quick: { 1: 100, 10: 500, 100: 3_000, 1000: 10_000 },
  full: { 1: 200, 10: 1_500, 100: 8_000, 1000: 30_000 },
};

/** What the effects suite measures. */
export interface EffectsPlan {
  readonly mode: 'quick' | 'full';
  readonly batches: readonly number[];
  readonly reps: number;
  readonly dir: string;
}

/** The repetitions of one (receiver, mode, batch), summarized. */
export interface EffectsRow {
  readonly receiver: Receiver;
  readonly mode: CallMode;
  readonly batch: number;
  readonly records: number;
  readonly eventsPerSec: Spread;
  readonly effectsPerSec: Spread;
  readonly cpuUsPerEvent: Spread;
  /** Medians: the transform's durable writes per batch, and ms per write. */
  readonly writesPerBatch: number;
  readonly msPerWrite: number;
}

/**
 * Runs every (batch, receiver, mode) of the plan, each in its own child process, repetition by
 * repetition with the modes of one batch and receiver back to back; the HTTP receiver runs in
 * this process, so the flow's CPU time is its own. Each run is checked: every call was made
 * exactly once per key (no retries, no repeats).
 */
export async function runEffectsSuite(plan: EffectsPlan, extraArgs: readonly string[], log: (line: string) => void): Promise<EffectsResult[]> {
  const receiver = await startHttpReceiver();
  const specs = effectSpecs(plan, receiver.url);
  const results: EffectsResult[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      receiver.reset();
      const result = await forkChild<EffectsResult>(CHILD, spec, extraArgs, describeEffects(spec));
      checkCalls(result, receiver);
      results.push(result);
      log(`  [${String(i + 1)}/${String(specs.length)}] ${describeEffects(spec)}: ${count(result.eventsPerSec)} events/s, ${count(result.effectsPerSec)} calls/s`);
    }
  } finally {
    await receiver.close();
  }
  return results;
}

function effectSpecs(plan: EffectsPlan, url: string): EffectsSpec[] {
  const specs: EffectsSpec[] = [];
  for (let rep = 0; rep < plan.reps; rep++) {
    for (const batch of plan.batches) {
      const records = RECORDS[plan.mode][batch] ?? batch * 10;
      for (const receiver of RECEIVERS) {
        for (const mode of CALL_MODES) {
          // The batch's calls at once: their intents and outcomes share durable writes.
          specs.push({ receiver, mode, batch, records, concurrency: batch, dir: plan.dir, ...(receiver === 'http' ? { url } : {}) });
        }
      }
    }
  }
  return specs;
}

/** Every call made once: counted by the in-process target, or by key at the HTTP receiver. */
function checkCalls(result: EffectsResult, receiver: HttpReceiver): void {
  const { spec } = result;
  const expected = spec.records * CALLS_PER_EVENT;
  const made = spec.receiver === 'http' ? receiver.calls : result.calls;
  const keys = spec.receiver === 'http' ? receiver.keys.size : expected;
  if (made !== expected || keys !== expected) {
    throw new Error(`${describeEffects(spec)}: ${String(made)} calls under ${String(keys)} keys, expected ${String(expected)} of each`);
  }
}

/** `effects, http, 100 per batch, 10000 events`. */
export function describeEffects(spec: EffectsSpec): string {
  return `${spec.mode}, ${spec.receiver}, ${String(spec.batch)} per batch, ${String(spec.records)} events`;
}

/** Groups runs by (receiver, mode, batch), in first-seen order. */
export function aggregateEffects(results: readonly EffectsResult[]): EffectsRow[] {
  const groups = new Map<string, EffectsResult[]>();
  for (const result of results) {
    const key = [result.spec.receiver, result.spec.mode, result.spec.batch].join('|');
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0];
    if (first === undefined) throw new Error('empty group');
    const of = (pick: (r: EffectsResult) => number): Spread => spread(runs.map(pick));
    const { receiver, mode, batch, records } = first.spec;
    return {
      receiver,
      mode,
      batch,
      records,
      eventsPerSec: of((r) => r.eventsPerSec),
      effectsPerSec: of((r) => r.effectsPerSec),
      cpuUsPerEvent: of((r) => r.cpuUsPerEvent),
      writesPerBatch: of((r) => r.writesPerBatch).median,
      msPerWrite: of((r) => r.msPerWrite).median,
    };
  });
}
