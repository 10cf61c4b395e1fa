import type { Flow, JournalStore, StageNode } from '@sluice/core';
import type { RunSummary } from '../options.ts';
import { definitionChange } from '../recovery.ts';
import { run } from '../run.ts';
import { followReadPlans } from '../upstream-reader.ts';
import { compareStage, Lineages, type StageComparison } from './compare.ts';
import { copyRecordedInputs } from './copy-journals.ts';
import { JournaledReadPlan } from './read-plan.ts';
import { replayFlow } from './replay-flow.ts';
import type { ReplayOptions, ReplayReport } from './replay-report.ts';

/**
 * Re-runs `flow`'s current code over the inputs a run recorded in `original`, into the empty
 * store `into`, and compares every stage's output with the original's, record by record.
 *
 * Sources are not run: their journals are copied (an original cut off gets an EOF in the copy).
 * Effects and commands answer from the copied effects journals and are never called (one with
 * no recorded outcome fails its record with REPLAY_UNRECORDED); sinks deliver nothing; stages
 * with several inputs read them in the order the original's read log recorded, so a merge or a
 * join interleaves exactly as it did live. Refused, before anything is written, when the flow's
 * graph differs from the original's recorded definition or `into` is not empty. Rejects when
 * the replay's run itself fails. The original is only read.
 */
export async function replay(flow: Flow, options: ReplayOptions): Promise<ReplayReport> {
  const { original, into } = options;
  const refusal = await refusalOf(flow, original, into);
  if (refusal !== undefined) return { verdict: 'refused', differences: 0, compared: [], reason: refusal, effectsRecalled: 0 };
  const { cutOff } = await copyRecordedInputs(flow, original, into);
  let effectsRecalled = 0;
  const sources = new Set(flow.stages.filter((s) => s.type.source === true).map((s) => s.name));
  const unfollow = followReadPlans(into, (stage, inputs) => {
    const byKey = new Map(inputs.map((input) => [input.key, { input, source: sources.has(input.upstream) }]));
    return new JournaledReadPlan({ original, into }, stage, byKey);
  });
  let summary: RunSummary;
  try {
    summary = await run(replayFlow(flow), {
      store: into,
      runId: `replay-${globalThis.crypto.randomUUID()}`,
      replay: { recalled: () => effectsRecalled++ },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
  } finally {
    unfollow();
  }
  const comparisons: StageComparison[] = [];
  const [expected, actual] = [new Lineages(original), new Lineages(into)];
  for (const node of flow.stages.filter(isCompared)) comparisons.push(await compareStage(node.name, expected, actual));
  return report({ comparisons, cutOff, effectsRecalled, stopped: summary.state !== 'completed' });
}

/** Why a replay of `flow` from `original` into `into` is refused; undefined when it is not. */
async function refusalOf(flow: Flow, original: JournalStore, into: JournalStore): Promise<string | undefined> {
  if ((await into.journals()).length > 0 || (await into.readMeta('flow')) !== undefined) {
    return 'the store to replay into is not empty: a replay writes into an empty one';
  }
  if ((await original.readMeta('flow')) === undefined) return 'the original holds no recorded flow definition (no run was recorded there)';
  const change = await definitionChange(original, flow);
  if (change !== undefined) return `the flow's graph differs from the one the original ran: ${change.description}`;
  return undefined;
}

/** Sources are copied and sinks deliver nothing: the stages in between are what the code computes. */
function isCompared(node: StageNode): boolean {
  return node.type.source !== true && node.type.ports(node) > 0;
}

function report(found: {
  readonly comparisons: readonly StageComparison[];
  readonly cutOff: readonly string[];
  readonly effectsRecalled: number;
  readonly stopped: boolean;
}): ReplayReport {
  const { comparisons, cutOff, effectsRecalled } = found;
  const compared = comparisons.map(({ stage, records }) => ({ stage, records }));
  const differences = comparisons.reduce((sum, c) => sum + c.differences, 0);
  const diverged = comparisons.find((c) => c.first !== undefined);
  const first = diverged?.first === undefined ? undefined : { stage: diverged.stage, ...diverged.first };
  const unfinished = [...cutOff, ...comparisons.filter((c) => !c.complete).map((c) => c.stage)];
  const reason =
    unfinished.length === 0
      ? found.stopped
        ? 'the replay did not complete'
        : undefined
      : `the original run did not complete (no EOF on ${unfinished.join(', ')}): compared the prefix it has, ` +
        compared.map((c) => `${c.stage} ${String(c.records)} records`).join(', ');
  const verdict = differences > 0 ? 'divergence' : reason !== undefined ? 'incomplete' : 'match';
  return {
    verdict,
    differences,
    ...(first === undefined ? {} : { first }),
    compared,
    ...(reason === undefined ? {} : { reason }),
    effectsRecalled,
  };
}
