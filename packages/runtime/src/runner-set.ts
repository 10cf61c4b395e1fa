import { FlowDefinitionError, type Flow, type StageNode } from '@sluice/core';
import type { StageEvent } from '@sluice/fsm';
import type { RunOptions } from './options.ts';
import { createRunner } from './runners.ts';
import type { RunnerDeps, StageRunner } from './stage-runner.ts';

/** What the runners need from the supervisor that builds them. */
export type SharedDeps = Omit<RunnerDeps, 'batchSize' | 'retry' | 'consumersOf' | 'leadOver' | 'maxLead' | 'countBatch'> & {
  /** Counts a batch on the stage's machine (a no-op once it has stopped). */
  readonly countBatch: (stage: string, event: Extract<StageEvent, { type: 'BATCH' }>) => void;
};

/**
 * Builds one runner per stage, with the graph facts they share: who consumes whom (for
 * backpressure), each stage's batch size (DSL option > configured stage setting > run
 * default) and retry policy (DSL option > configured stage setting). Settings for a stage that is not in the flow are refused, naming it.
 */
export function createRunnerSet(flow: Flow, options: RunOptions, shared: SharedDeps): ReadonlyMap<string, StageRunner> {
  for (const name of Object.keys(options.stages ?? {})) {
    if (!flow.stages.some((s) => s.name === name)) {
      throw new FlowDefinitionError(`settings for stage "${name}", which is not in flow "${flow.name}"`, name);
    }
  }
  const consumers = new Map<string, string[]>();
  for (const node of flow.stages) {
    for (const edge of node.inputs) consumers.set(edge.from.name, [...(consumers.get(edge.from.name) ?? []), node.name]);
  }
  const runners = new Map<string, StageRunner>();
  const { replay } = options;
  const deps: Omit<RunnerDeps, 'batchSize' | 'retry'> = {
    ...shared,
    ...(replay === undefined || replay === false ? {} : { replay: replay === true ? {} : replay }),
    consumersOf: (stage) => consumers.get(stage) ?? [],
    leadOver: (stage, seq) => {
      let slowest = Infinity;
      for (const consumer of consumers.get(stage) ?? []) {
        for (const input of runners.get(consumer)?.inputs ?? []) {
          if (input.upstream === stage) slowest = Math.min(slowest, input.cursor);
        }
      }
      return slowest === Infinity ? 0 : seq - slowest;
    },
    maxLead: options.maxLead ?? 50_000,
  };
  const batchSizeOf = (node: StageNode): number =>
    node.options.batchSize ?? options.stages?.[node.name]?.batchSize ?? options.batchSize ?? 1000;
  for (const node of flow.stages) {
    const retry = node.options.retry ?? options.stages?.[node.name]?.retry;
    const concurrency = node.options.concurrency ?? options.stages?.[node.name]?.concurrency;
    const timeoutMs = node.options.timeoutMs ?? options.stages?.[node.name]?.timeoutMs;
    runners.set(
      node.name,
      createRunner(node, {
        ...deps,
        batchSize: batchSizeOf(node),
        ...(retry === undefined ? {} : { retry }),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }),
    );
  }
  return runners;
}
