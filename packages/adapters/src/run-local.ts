import {
  errorMessage,
  type Flow,
  type JournalStore,
  type Logger,
  type Metrics,
  type StageOptions,
} from '@sluice/core';
import type { InspectionObserver } from '@sluice/fsm';
import { run as runWith, type PipelineHandle, type RunOptions } from '@sluice/runtime';
import { startStatelyInspector, type StatelyInspector } from './inspect/stately-inspector.ts';
import { openControlEndpoint, type ControlEndpoint } from './control/control-endpoint.ts';
import { resolveConfig, type CodeConfig, type ConfigInput, type ResolvedConfig } from './config/resolve-config.ts';
import { RUNTIME_KEYS, TOP_KEYS, type SluiceConfig, type StageSettings } from './config/schema.ts';
import type { ListeningOpsServer } from './http/ops-server.ts';
import { listenForRun } from './http/run-listener.ts';
import { LmdbJournalStore, type LmdbDurability } from './lmdb/lmdb-journal-store.ts';
import type { LmdbAuditOptions } from './lmdb/audit-options.ts';
import { readPrivateKey } from './audit/audit-keys.ts';
import { PromMetrics } from './metrics/prom-metrics.ts';
import { createPinoLogger } from './pino-logger.ts';

/** The local endpoints a run serves, once they listen. */
export interface LocalRunEndpoints {
  /** Base URL of the ops server (`/metrics`, `/health`, `/flow`, `/control`, `/events`). */
  readonly metrics?: string;
  /** The page that shows the Stately inspector. */
  readonly inspector?: string;
}

/**
 * Options of {@link run}: every runtime option, with the store and logger defaulted, plus the
 * configuration keys (see `resolveConfig`). Values given here win over flags, `SLUICE_*`
 * variables and the config file.
 */
export interface LocalRunOptions extends Omit<RunOptions, 'store' | 'logger'> {
  /** The flow's data directory (default `.sluice/<flow name>` under the working directory). */
  readonly dataDir?: string;
  /** LMDB commit durability (default `'fsync'`). */
  readonly durability?: LmdbDurability;
  /** An Ed25519 private key file (PEM, see `sluice keygen`): the run keeps a signed audit trail. */
  readonly auditKey?: string;
  /** A store to use instead of LMDB; the caller keeps it open and closes it. */
  readonly store?: JournalStore;
  /** A logger to use instead of pino on stdout. */
  readonly logger?: Logger;
  /** pino level when no logger is given (default `info`). */
  readonly logLevel?: string;
  /** Serve `/metrics` and the other ops endpoints on this port (default `'off'`; 0 picks one). */
  readonly metricsPort?: number | 'off';
  /** Interface of the ops server (default `127.0.0.1`). */
  readonly metricsHost?: string;
  /** Drain timeout used by `installShutdownHandlers` (recorded here; default 30000). */
  readonly drainTimeoutMs?: number;
  /** Port of the Stately inspector relay when the configuration turns `inspect` on. */
  readonly inspectPort?: number;
  /** Per-stage settings by stage name. */
  readonly stages?: Readonly<Record<string, StageSettings>>;
  /** Where else configuration comes from: config file, environment, flags (default: `sluice.config.json` and `process.env`). */
  readonly config?: ConfigInput;
  /** Called once the ops server and inspector listen, before any stage starts. */
  readonly onEndpoints?: (endpoints: LocalRunEndpoints) => void;
}

/**
 * Resolves the configuration of a local run: defaults < config file < `SLUICE_*` environment
 * < flags < the options given in code. Throws a CONFIG SluiceError naming a bad key.
 */
export function resolveLocalConfig(flow: Flow, options: LocalRunOptions = {}): ResolvedConfig {
  return resolveConfig({
    ...options.config,
    flow: { name: flow.name, stages: flow.stages.map((s) => s.name) },
    code: codeConfig(options),
  });
}

/**
 * The configuration keys set in code: every top-level key of the schema under its own name,
 * except `inspect`, whose option is an observer here (given one, the configuration says on).
 */
function codeConfig(options: LocalRunOptions): CodeConfig {
  const code: Record<string, unknown> = {};
  // Indexing by TopKey keeps LocalRunOptions holding an option for every configuration key.
  for (const key of TOP_KEYS) code[key] = options[key];
  code['inspect'] = options.inspect === undefined ? undefined : true;
  code['stages'] = options.stages;
  return code;
}

/** The resolved values of the keys the schema marks `runtime`, for the runtime's `run`. */
function runtimeValues(values: SluiceConfig): Partial<RunOptions> {
  const picked: Record<string, unknown> = {};
  for (const key of RUNTIME_KEYS) picked[key] = values[key];
  return picked;
}

/**
 * Runs a flow on the embedded defaults: an LMDB store in the flow's data directory, pino logs
 * on stdout, and the configuration resolved from defaults, `sluice.config.json`, `SLUICE_*`
 * variables, flags and these options (written in the run-started record with the source of
 * each value, with the process id). With `metricsPort` set it serves the ops endpoints with
 * prom-client metrics; its port is bound before recovery touches the data directory: a taken
 * port from the defaults (the CLI's 9464) falls back to a free one with a warning, a taken
 * port the user asked for rejects the handle with a one-line CONFIG error and nothing written.
 * With `inspect` on in the configuration it attaches the Stately inspector. A run on LMDB also
 * opens the data directory's control endpoint (recorded in its `CONTROL` file) that
 * `sluice signal` reaches. The endpoints
 * answer from just before the first stage; the servers and a store it opened are closed when
 * the run ends. Throws a CONFIG SluiceError for a bad configuration value.
 * Awaiting the handle waits for the end of the run. It installs no signal handlers: see
 * `installShutdownHandlers`.
 */
export function run(flow: Flow, options: LocalRunOptions = {}): PipelineHandle {
  const config = resolveLocalConfig(flow, options);
  const values = config.values;
  const { store, logger } = options;
  const used: JournalStore = store ?? LmdbJournalStore.open({ path: values.dataDir, durability: values.durability, ...auditOf(values.auditKey) });
  const owned = used === store ? undefined : used;
  let inspector: StatelyInspector | undefined;
  try {
    const log = logger ?? createPinoLogger({ level: values.logLevel });
    const metrics = options.metrics ?? (values.metricsPort === 'off' ? undefined : new PromMetrics({ flow: flow.name }));
    if (options.inspect === undefined && values.inspect) inspector = startStatelyInspector({ port: values.inspectPort });
    const inspect = options.inspect ?? inspector?.inspect;
    const configuration = configurationRecord(config);
    return start({ flow, options, config, log, metrics, inspect, inspector, owned, store: used, configuration });
  } catch (error) {
    void inspector?.close();
    void owned?.close();
    throw error;
  }
}

/** What {@link start} runs with, once the configuration is resolved and the store open. */
interface StartArgs {
  readonly flow: Flow;
  readonly options: LocalRunOptions;
  readonly config: ResolvedConfig;
  readonly log: Logger;
  readonly metrics: Metrics | undefined;
  readonly inspect: InspectionObserver | undefined;
  readonly inspector: StatelyInspector | undefined;
  readonly store: JournalStore;
  /** The store this run opened and closes; undefined when the caller gave one. */
  readonly owned: JournalStore | undefined;
  readonly configuration: Readonly<Record<string, unknown>>;
}

/**
 * Runs the flow with the resolved values. The ops port is bound first and the run's `prepare`
 * waits for it, so a taken port refuses the run before recovery writes anything;
 * the endpoints answer once the stages are about to start, and close after the run.
 */
function start(args: StartArgs): PipelineHandle {
  const { flow, options, config, log, metrics, inspect, inspector, owned } = args;
  const { values } = config;
  const { afterEnd, beforeStart } = options;
  // A run on LMDB holds that directory's lock, so it may own the directory's control endpoint.
  const controlDir = args.store instanceof LmdbJournalStore ? args.store.path : undefined;
  let control: ControlEndpoint | undefined;
  const listening =
    values.metricsPort === 'off'
      ? undefined
      : listenForRun({ port: values.metricsPort, host: values.metricsHost, source: config.sources['metricsPort'] ?? 'default', file: config.file, logger: log });
  // Whoever awaits it reports a failure; this only keeps it from counting as unhandled.
  listening?.catch(() => undefined);
  const handle: PipelineHandle = runWith(flow, {
    ...runtimeOnly(options),
    store: args.store,
    // Recovery, the first thing to touch the data directory, waits for the port: a taken port
    // refuses the run with nothing written.
    prepare: async () => {
      await listening;
      await options.prepare?.();
    },
    logger: log,
    ...(metrics === undefined ? {} : { metrics }),
    ...(inspect === undefined ? {} : { inspect }),
    ...runtimeValues(values),
    stages: stageOptions(values.stages),
    configuration: options.configuration ?? args.configuration,
    pid: options.pid ?? process.pid,
    beforeStart: async () => {
      const endpoints: { metrics?: string; inspector?: string } = {};
      if (listening !== undefined) {
        const ops = await listening;
        // The store too: the web view's panels read the stages' journals.
        ops.serve({ handle, store: args.store, ...(metrics instanceof PromMetrics ? { metrics } : {}) });
        endpoints.metrics = ops.url;
        log.info({ url: ops.url }, `ops endpoints at ${ops.url}: / (web view) /metrics /health /flow /control /events`);
      }
      if (inspector !== undefined) {
        endpoints.inspector = await inspector.ready;
        log.info({ url: endpoints.inspector }, `Stately inspector: open ${endpoints.inspector}`);
      }
      // After recovery, so the lock is held: `sluice signal <data-dir>` reaches this run.
      if (controlDir !== undefined) control = await openControl(controlDir, handle, log);
      options.onEndpoints?.(endpoints);
      await beforeStart?.();
    },
    afterEnd: async () => {
      try {
        await Promise.all([closeListening(listening), inspector?.close(), control?.close()]);
      } finally {
        try {
          await owned?.close();
        } finally {
          await afterEnd?.();
        }
      }
    },
  });
  return handle;
}

/** The control endpoint; a run goes on without one (with a warning) when its socket cannot listen. */
async function openControl(dir: string, handle: PipelineHandle, log: Logger): Promise<ControlEndpoint | undefined> {
  try {
    return await openControlEndpoint({ dir, handle });
  } catch (error) {
    log.warn({ err: error }, `no control endpoint (sluice signal will not reach this run): ${errorMessage(error)}`);
    return undefined;
  }
}

async function closeListening(listening: Promise<ListeningOpsServer> | undefined): Promise<void> {
  const ops = await listening?.catch(() => undefined);
  await ops?.close();
}

/**
 * The options not passed through as given: the configuration keys (resolved first, see
 * {@link runtimeValues}) and what only this module reads; the rest goes to the runtime as given.
 */
const LOCAL_KEYS = new Set<string>([
  ...TOP_KEYS,
  'stages',
  ...(['store', 'logger', 'config', 'onEndpoints', 'afterEnd', 'beforeStart', 'metrics'] satisfies (keyof LocalRunOptions)[]),
]);

function runtimeOnly(options: LocalRunOptions): Partial<RunOptions> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => !LOCAL_KEYS.has(key) && value !== undefined));
}

/** The per-stage settings the runtime applies (each StageSettings key is a StageOptions key), the unset ones left out. */
function stageOptions(stages: Readonly<Record<string, StageSettings>>): Record<string, StageOptions> {
  const options: Record<string, StageOptions> = {};
  for (const [stage, settings] of Object.entries(stages)) {
    const set = Object.entries(settings).filter(([, value]) => value !== undefined);
    if (set.length > 0) options[stage] = Object.fromEntries(set);
  }
  return options;
}

/** The configuration as written in the run-started record: values, the source of each, the file. */
export function configurationRecord(config: ResolvedConfig): Readonly<Record<string, unknown>> {
  return {
    values: config.values,
    sources: config.sources,
    ...(config.file === undefined ? {} : { file: config.file }),
  };
}

/** The LMDB store's `audit` option for a configured key file ('' for none). */
export function auditOf(keyFile: string): { readonly audit?: LmdbAuditOptions } {
  return keyFile === '' ? {} : { audit: { key: readPrivateKey(keyFile) } };
}
