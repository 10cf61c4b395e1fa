import type {
  FlatMapFn,
  MapFn,
  SinkHandler,
  SourceHandler,
  StatefulHandler,
} from './handlers.ts';

/**
 * How often a handler is tried on one record before the record goes to the error lane.
 * A TerminalError is never retried; a RetryableError waits its own `retryAfterMs`; any other
 * error waits `backoffMs` doubled per attempt.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3; 1 = no retry). */
  readonly maxAttempts?: number;
  /** Wait before the second attempt; doubles for each one after (default 100). */
  readonly backoffMs?: number;
}

/** Per-stage settings. */
export interface StageOptions {
  /** Most records read, handled and committed together. */
  readonly batchSize?: number;
  /** Retries of a failing handler call (transform, flatMap, route, stateful, join). */
  readonly retry?: RetryPolicy;
}

/** An edge into a stage: the upstream node and, for route outputs, the port read. */
export interface Edge {
  readonly from: StageNode;
  readonly port?: number;
}

interface NodeBase {
  readonly name: string;
  readonly inputs: readonly Edge[];
  readonly options: StageOptions;
}

/** A stage of the graph as the runtime sees it, with handler types erased. */
export type StageNode =
  | (NodeBase & { readonly kind: 'source'; readonly handler: SourceHandler<unknown> })
  | (NodeBase & { readonly kind: 'map'; readonly fn: MapFn<unknown, unknown> })
  | (NodeBase & { readonly kind: 'flatMap'; readonly fn: FlatMapFn<unknown, unknown> })
  | (NodeBase & {
      readonly kind: 'stateful';
      readonly handler: StatefulHandler<unknown, unknown, unknown>;
    })
  | (NodeBase & {
      readonly kind: 'route';
      readonly select: (value: unknown) => number;
      readonly ports: number;
    })
  | (NodeBase & {
      readonly kind: 'join';
      readonly keys: readonly [(value: unknown) => JoinKey, (value: unknown) => JoinKey];
      readonly combine: (left: unknown, right: unknown) => unknown;
      readonly unmatched: 'error' | 'drop';
    })
  | (NodeBase & { readonly kind: 'first'; readonly key: (value: unknown) => JoinKey })
  | (NodeBase & { readonly kind: 'sink'; readonly handler: SinkHandler<unknown> });

/** A key that joins or deduplicates records; compared as a string. */
export type JoinKey = string | number;

/** The kinds of stage. */
export type StageKind = StageNode['kind'];
