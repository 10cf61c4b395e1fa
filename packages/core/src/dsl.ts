import { FlowDefinitionError } from './errors.ts';
import type {
  FlatMapFn,
  MapFn,
  SinkHandler,
  SourceHandler,
  StatefulHandler,
} from './handlers.ts';
import { stageNode } from './kinds/define.ts';
import { sinkKind } from './kinds/sink.ts';
import { sourceKind } from './kinds/source.ts';
import { flatMapKind, mapKind, routeKind, statefulKind, validRoutePorts } from './kinds/transform.ts';
import type { Edge, StageNode, StageOptions, StageOptionsOf } from './stage-node.ts';

export { checkName } from './kinds/define.ts';

declare const output: unique symbol;

/** A typed reference to a stage output; pass it to downstream constructors. */
export interface StageRef<T> {
  readonly edge: Edge;
  /** Phantom: the type of the records this output carries. */
  readonly [output]?: T;
}

/** A sink: the end of a path; it cannot feed another stage. */
export interface SinkRef {
  readonly sink: StageNode;
}

/** The element type of a StageRef. */
export type OutputOf<R> = R extends StageRef<infer T> ? T : never;

/** A typed reference to `from`, or to one port of a route; how a kind's DSL function returns its output. */
export const ref = <T>(from: StageNode, port?: number): StageRef<T> =>
  ({ edge: port === undefined ? { from } : { from, port } });

/** A source stage: reads from outside the flow and journals what it read with its position. */
export function source<T, TPosition = unknown>(
  name: string,
  handler: SourceHandler<T, TPosition>,
  options: StageOptionsOf<T> = {},
): StageRef<T> {
  const node = stageNode(sourceKind, { name, inputs: [], spec: { handler }, options });
  return ref<T>(node);
}

/** A 1:1 transform (sync or async). A throw sends the input to this stage's error lane. */
export function transform<TIn, TOut>(
  name: string,
  upstream: StageRef<TIn>,
  fn: MapFn<TIn, TOut>,
  options: StageOptionsOf<TOut> = {},
): StageRef<TOut> {
  const node = stageNode(mapKind, {
    name,
    inputs: [upstream.edge],
    spec: { fn: fn as MapFn<unknown, unknown> },
    options,
  });
  return ref<TOut>(node);
}

/** A 1:N transform (N may be 0), sync or async. */
export function flatMap<TIn, TOut>(
  name: string,
  upstream: StageRef<TIn>,
  fn: FlatMapFn<TIn, TOut>,
  options: StageOptionsOf<TOut> = {},
): StageRef<TOut> {
  const node = stageNode(flatMapKind, {
    name,
    inputs: [upstream.edge],
    spec: { fn: fn as FlatMapFn<unknown, unknown> },
    options,
  });
  return ref<TOut>(node);
}

/** Keeps the inputs for which `predicate` is true. */
export function filter<T>(
  name: string,
  upstream: StageRef<T>,
  predicate: (value: T) => boolean,
  options: StageOptionsOf<T> = {},
): StageRef<T> {
  return flatMap(name, upstream, (value) => (predicate(value) ? [value] : []), options);
}

/** Merges several upstreams of one type into one stream, in arrival order. */
export function merge<T>(
  name: string,
  upstreams: readonly StageRef<T>[],
  options: StageOptionsOf<T> = {},
): StageRef<T> {
  const node = stageNode(mapKind, {
    name,
    inputs: upstreams.map((u) => u.edge),
    spec: { fn: (value) => value },
    options,
  });
  return ref<T>(node);
}

type Ports<T, N extends number, TAcc extends StageRef<T>[] = []> = TAcc['length'] extends N
  ? TAcc
  : Ports<T, N, [...TAcc, StageRef<T>]>;

/**
 * Exclusive choice: each input goes to exactly one of `ports` outputs, the one `select`
 * returns (0-based). An out-of-range port sends the input to the error lane.
 */
export function route<T, N extends number>(
  name: string,
  upstream: StageRef<T>,
  select: (value: T) => number,
  ports: N,
  options: StageOptions = {},
): Ports<T, N> {
  if (!validRoutePorts(ports)) {
    throw new FlowDefinitionError(`route "${name}" needs 2-64 ports, got ${String(ports)}`, name);
  }
  const node = stageNode(routeKind, {
    name,
    inputs: [upstream.edge],
    spec: { select: select as (value: unknown) => number, ports },
    options,
  });
  return Array.from({ length: ports }, (_, port) => ref<T>(node, port)) as Ports<T, N>;
}

/** A stateful stage; see {@link StatefulHandler} for what it emits. */
export function stateful<TState, TIn, TOut = TState>(
  name: string,
  upstream: StageRef<TIn>,
  handler: StatefulHandler<TState, TIn, TOut>,
  options: StageOptions = {},
): StageRef<TOut> {
  const node = stageNode(statefulKind, {
    name,
    inputs: [upstream.edge],
    spec: { handler: handler },
    options,
  });
  return ref<TOut>(node);
}

/** A sink stage: delivers its input outside the flow. */
export function sink<T, TPosition = unknown>(
  name: string,
  upstream: StageRef<T>,
  handler: SinkHandler<T, TPosition>,
  options: StageOptions = {},
): SinkRef {
  const node = stageNode(sinkKind, { name, inputs: [upstream.edge], spec: { handler }, options });
  return { sink: node };
}
