import { FlowDefinitionError } from '../errors.ts';
import { formatInputKey } from '../input-key.ts';
import type { Edge, StageNode, StageOptions, StageType } from '../stage-node.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Checks a stage name (letters, digits, `.`, `_`, `-`); returns it, or throws FlowDefinitionError naming it. */
export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new FlowDefinitionError(
      `stage name "${name}" is invalid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      name,
    );
  }
  return name;
}

/**
 * Declares a stage kind. The name is stored with every flow definition that uses the kind
 * (and enters its definition hash), so it must stay the same across releases; a runtime runs
 * the kind once a runner is registered under the same name. Throws FlowDefinitionError for a
 * name that is empty or not letters, digits, `.`, `_`, `-`.
 */
export function defineStageKind<TSpec>(type: StageType<TSpec>): StageType<TSpec> {
  if (!NAME.test(type.name)) {
    throw new FlowDefinitionError(
      `stage kind name "${type.name}" is invalid: use 1-100 letters, digits, '.', '_' or '-'`,
    );
  }
  return Object.freeze({ ...type });
}

/** What a stage node is built from: its name, upstream edges, the kind's settings and options. */
export interface StageNodeInit<TSpec> {
  readonly name: string;
  readonly inputs: readonly Edge[];
  readonly spec: TSpec;
  readonly options?: StageOptions;
}

/** A node of `type`; checks the name. Graph facts are checked when a flow is built from it. */
export function stageNode<TSpec>(type: StageType<TSpec>, init: StageNodeInit<TSpec>): StageNode<TSpec> {
  checkTimeOptions(init.name, init.options ?? {});
  return {
    name: checkName(init.name),
    kind: type.name,
    type,
    spec: init.spec,
    inputs: init.inputs,
    options: init.options ?? {},
  };
}

/** Throws FlowDefinitionError naming the stage for event-time options it cannot run with. */
function checkTimeOptions(name: string, options: StageOptions): void {
  const { eventTime, idleInputMs } = options;
  const nonNegative = (value: unknown): boolean => value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
  if (eventTime !== undefined && typeof eventTime.of !== 'function') {
    throw new FlowDefinitionError(`stage "${name}": eventTime.of must be a function of the emitted value`, name);
  }
  if (!nonNegative(eventTime?.outOfOrdernessMs)) {
    throw new FlowDefinitionError(`stage "${name}": eventTime.outOfOrdernessMs must be a number of ms, 0 or more`, name);
  }
  if (!nonNegative(idleInputMs)) {
    throw new FlowDefinitionError(`stage "${name}": idleInputMs must be a number of ms, 0 or more`, name);
  }
}

/** One error naming the stage unless it has between `min` and `max` inputs; for a kind's `validate`. */
export function inputCount(node: StageNode, min: number, max: number): readonly FlowDefinitionError[] {
  const count = node.inputs.length;
  if (count >= min && count <= max) return [];
  const wanted = min === max ? String(min) : max === Infinity ? `at least ${String(min)}` : `${String(min)}-${String(max)}`;
  return [
    new FlowDefinitionError(
      `${node.kind} "${node.name}" reads ${wanted} upstream(s), got ${String(count)}`,
      node.name,
    ),
  ];
}

/** One error naming the stage if it reads one upstream output twice; for a kind's `validate`. */
export function distinctInputs(node: StageNode): readonly FlowDefinitionError[] {
  const keys = node.inputs.map((e) => formatInputKey(e.from.name, e.port ?? 0));
  if (new Set(keys).size === keys.length) return [];
  return [new FlowDefinitionError(`stage "${node.name}" reads the same upstream twice`, node.name)];
}
