import { FlowDefinitionError } from '../errors.ts';
import type { FlatMapFn, MapFn, StatefulHandler } from '../handlers.ts';
import type { StageType } from '../stage-node.ts';
import { defineStageKind, inputCount } from './define.ts';

/** A 1:1 transform's settings (a merge is a map of the identity over several upstreams). */
export interface MapSpec {
  readonly fn: MapFn<unknown, unknown>;
}

/** A 1:N transform's settings. */
export interface FlatMapSpec {
  readonly fn: FlatMapFn<unknown, unknown>;
}

/** A route's settings: which port each input goes to, and how many ports there are. */
export interface RouteSpec {
  readonly select: (value: unknown) => number;
  readonly ports: number;
}

/** A stateful stage's settings. */
export interface StatefulSpec {
  readonly handler: StatefulHandler<unknown, unknown, unknown>;
}

/** The map kind: one or more upstreams (a merge), one output. */
export const mapKind: StageType<MapSpec> = defineStageKind<MapSpec>({
  name: 'map',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, Infinity),
});

/** The flatMap kind: one upstream, one output. */
export const flatMapKind: StageType<FlatMapSpec> = defineStageKind<FlatMapSpec>({
  name: 'flatMap',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});

/** True for a route port count the runtime supports. */
export const validRoutePorts = (ports: number): boolean => Number.isInteger(ports) && ports >= 2 && ports <= 64;

/** The route kind: one upstream, `spec.ports` outputs. */
export const routeKind: StageType<RouteSpec> = defineStageKind<RouteSpec>({
  name: 'route',
  ports: (node) => node.spec.ports,
  validate: (node) => [
    ...inputCount(node, 1, 1),
    ...(validRoutePorts(node.spec.ports)
      ? []
      : [new FlowDefinitionError(`route "${node.name}" needs 2-64 ports, got ${String(node.spec.ports)}`, node.name)]),
  ],
});

/** The stateful kind: one upstream, one output. */
export const statefulKind: StageType<StatefulSpec> = defineStageKind<StatefulSpec>({
  name: 'stateful',
  ports: () => 1,
  validate: (node) => inputCount(node, 1, 1),
});
