import { formatInputKey, type Flow, type JournalStore } from '@sluice/core';

/** One stage as the web view draws it: its kind, its input cursor keys and its settings. */
export interface WebStage {
  readonly name: string;
  readonly kind: string;
  /** Input cursor keys: the upstream name, with `#port` for a route output. */
  readonly inputs: readonly string[];
  /** The stage's options as far as they are plain data (functions are named, not shown). */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * What the web view's JSON endpoints read: the store of the flow and its stages. A running
 * flow's ops server and `sluice view` over a stopped data directory both serve from one.
 */
export interface WebSource {
  /** `live` for a running flow (control buttons shown), `view` for a stopped data directory. */
  readonly mode: 'live' | 'view';
  readonly flow: string;
  readonly stages: readonly WebStage[];
  /** The journals; undefined when the ops server was started without the store (record endpoints answer 404). */
  readonly store: JournalStore | undefined;
}

/** Options as plain data for a settings table: functions become `"[function name]"`, nested objects are kept. */
export function plainSettings(options: object): Readonly<Record<string, unknown>> {
  const plain = (value: unknown, depth: number): unknown => {
    if (typeof value === 'function') return `[function ${value.name === '' ? 'anonymous' : value.name}]`;
    if (value === null || typeof value !== 'object') return value;
    if (depth > 3) return '[…]';
    if (Array.isArray(value)) return value.map((v: unknown) => plain(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, depth + 1)]));
  };
  return plain(options, 0) as Readonly<Record<string, unknown>>;
}

/** The web source of a running flow: its stages from the flow definition, settings from their options. */
export function liveWebSource(flow: Flow, store: JournalStore | undefined): WebSource {
  return {
    mode: 'live',
    flow: flow.name,
    store,
    stages: flow.stages.map((node) => ({
      name: node.name,
      kind: node.kind,
      inputs: node.inputs.map((edge) => formatInputKey(edge.from.name, edge.port)),
      settings: plainSettings(node.options),
    })),
  };
}
