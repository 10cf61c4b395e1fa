import { FlowDefinitionError, type StageNode, type StageType } from '@sluice/core';
import type { Processor } from '../processor.ts';
import type { RunnerDeps, StageRunner } from '../stage-runner.ts';

/** Builds the runner of one stage of a kind. */
export type RunnerFactory<TSpec = unknown> = (node: StageNode<TSpec>, deps: RunnerDeps) => StageRunner;

/**
 * Builds the processor of one stage of a kind that the runtime's process runner drives (read a
 * batch after the cursors, handle each record, commit outputs, cursors and state at once).
 */
export type ProcessorFactory<TSpec = unknown> = (node: StageNode<TSpec>, saved: unknown) => Processor;

/** How the runtime runs a kind: its own runner, or a processor under the process runner. */
export type KindRunner =
  | { readonly runner: RunnerFactory }
  | { readonly processor: ProcessorFactory };

const registered = new Map<string, KindRunner>();

const nameOf = (kind: { readonly name: string } | string): string => (typeof kind === 'string' ? kind : kind.name);

function register(name: string, entry: KindRunner, factory: unknown): void {
  const known = registered.get(name);
  if (known !== undefined && ('runner' in known ? known.runner : known.processor) !== factory) {
    throw new FlowDefinitionError(`stage kind "${name}" already has a runner; register each kind once`);
  }
  registered.set(name, entry);
}

/**
 * Registers the runner of a stage kind under its name; a flow with a stage of that kind then
 * runs it. Registering the same factory again is a no-op; another one for a taken name throws.
 */
export function registerStageRunner<TSpec>(kind: StageType<TSpec> | string, factory: RunnerFactory<TSpec>): void {
  register(nameOf(kind), { runner: factory as RunnerFactory }, factory);
}

/**
 * Registers a kind whose stages the process runner drives with the processor that `factory`
 * builds (from the node and its last committed state). Same rules as {@link registerStageRunner}.
 */
export function registerStageProcessor<TSpec>(kind: StageType<TSpec> | string, factory: ProcessorFactory<TSpec>): void {
  register(nameOf(kind), { processor: factory as ProcessorFactory }, factory);
}

/** How `node`'s kind runs; throws FlowDefinitionError naming the stage and kind when none is registered. */
export function kindRunner(node: StageNode): KindRunner {
  const entry = registered.get(node.kind);
  if (entry === undefined) {
    throw new FlowDefinitionError(
      `stage "${node.name}" is of kind "${node.kind}", which has no runner registered (registerStageRunner)`,
      node.name,
    );
  }
  return entry;
}
