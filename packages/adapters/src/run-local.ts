import {
  ErrorCode,
  SluiceError,
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
import { resolveConfig, type ConfigInput, type ResolvedConfig } from './config/resolve-config.ts';
import type { StageSettings } from './config/schema.ts';
import { startOpsServer, type OpsServer } from './http/ops-server.ts';
import { LmdbJournalStore, type LmdbDurability } from './lmdb/lmdb-journal-store.ts';
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
    code: {
      dataDir: options.dataDir,
      durability: options.durability,
      logLevel: options.logLevel,
      metricsPort: options.metricsPort,
      metricsHost: options.metricsHost,
      batchSize: options.batchSize,
      pollMinMs: options.pollMinMs,
      pollMaxMs: options.pollMaxMs,
      stallAfterMs: options.stallAfterMs,
      livenessCheckMs: options.livenessCheckMs,
      maxLead: options.maxLead,
      drainTimeoutMs: options.drainTimeoutMs,
      allowDefinitionChange: options.allowDefinitionChange,
      inspect: options.inspect === undefined ? undefined : true,
      inspectPort: options.inspectPort,
      stages: options.stages,
    },
  });
}

/**
 * Runs a flow on the embedded defaults: an LMDB store in the flow's data directory, pino logs
 * on stdout, and the configuration resolved from defaults, `sluice.config.json`, `SLUICE_*`
 * variables, flags and these options (written in the run-started record with the source of
 * each value, with the process id). With `metricsPort` set it serves the ops endpoints with
 * prom-client metrics; with `inspect` on in the configuration it attaches the Stately
 * inspector. Both start after recovery, before any stage; the servers and a store it opened
 * are closed when the run ends. Throws a CONFIG SluiceError for a bad configuration value.
 * Awaiting the handle waits for the end of the run. It installs no signal handlers: see
 * `installShutdownHandlers`.
 */
export function run(flow: Flow, options: LocalRunOptions = {}): PipelineHandle {
  const config = resolveLocalConfig(flow, options);
  const values = config.values;
  const { store, logger } = options;
  const used: JournalStore = store ?? LmdbJournalStore.open({ path: values.dataDir, durability: values.durability });
  const owned = used === store ? undefined : used;
  let inspector: StatelyInspector | undefined;
  try {
    const log = logger ?? createPinoLogger({ level: values.logLevel });
    const metrics = options.metrics ?? (values.metricsPort === 'off' ? undefined : new PromMetrics({ flow: flow.name }));
    if (options.inspect === undefined && values.inspect) inspector = startStatelyInspector({ port: values.inspectPort });
    const inspect = options.inspect ?? inspector?.inspect;
    const configuration = configurationRecord(config);
    return start({ flow, options, values, log, metrics, inspect, inspector, owned, store: used, configuration });
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
  readonly values: ResolvedConfig['values'];
  readonly log: Logger;
  readonly metrics: Metrics | undefined;
  readonly inspect: InspectionObserver | undefined;
  readonly inspector: StatelyInspector | undefined;
  readonly store: JournalStore;
  /** The store this run opened and closes; undefined when the caller gave one. */
  readonly owned: JournalStore | undefined;
  readonly configuration: Readonly<Record<string, unknown>>;
}

/** Runs the flow with the resolved values; the endpoints open before the stages start and close after. */
function start(args: StartArgs): PipelineHandle {
  const { flow, options, values, log, metrics, inspect, inspector, owned } = args;
  const { afterEnd, beforeStart } = options;
  let ops: OpsServer | undefined;
  const handle: PipelineHandle = runWith(flow, {
    ...runtimeOnly(options),
    store: args.store,
    logger: log,
    ...(metrics === undefined ? {} : { metrics }),
    ...(inspect === undefined ? {} : { inspect }),
    batchSize: values.batchSize,
    stages: stageOptions(values.stages),
    pollMinMs: values.pollMinMs,
    pollMaxMs: values.pollMaxMs,
    stallAfterMs: values.stallAfterMs,
    livenessCheckMs: values.livenessCheckMs,
    maxLead: values.maxLead,
    allowDefinitionChange: values.allowDefinitionChange,
    configuration: options.configuration ?? args.configuration,
    pid: options.pid ?? process.pid,
    beforeStart: async () => {
      const endpoints: { metrics?: string; inspector?: string } = {};
      if (values.metricsPort !== 'off') {
        const served = metrics instanceof PromMetrics ? metrics : undefined;
        ops = await listenOps({ handle, metrics: served, port: values.metricsPort, host: values.metricsHost, logger: log });
        endpoints.metrics = ops.url;
        log.info({ url: ops.url }, `ops endpoints at ${ops.url}: /metrics /health /flow /control /events`);
      }
      if (inspector !== undefined) {
        endpoints.inspector = await inspector.ready;
        log.info({ url: endpoints.inspector }, `Stately inspector: open ${endpoints.inspector}`);
      }
      options.onEndpoints?.(endpoints);
      await beforeStart?.();
    },
    afterEnd: async () => {
      try {
        await Promise.all([ops?.close(), inspector?.close()]);
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

/** The options that only this module reads; the rest goes to the runtime as given. */
const LOCAL_KEYS = new Set<string>([
  'dataDir', 'durability', 'store', 'logger', 'logLevel', 'metricsPort', 'metricsHost', 'drainTimeoutMs',
  'inspectPort', 'stages', 'config', 'onEndpoints', 'afterEnd', 'beforeStart', 'inspect', 'metrics',
]);

function runtimeOnly(options: LocalRunOptions): Partial<RunOptions> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => !LOCAL_KEYS.has(key) && value !== undefined));
}

/** The per-stage settings the runtime applies (batch size, retry); concurrency is only recorded. */
function stageOptions(stages: Readonly<Record<string, StageSettings>>): Record<string, StageOptions> {
  const options: Record<string, StageOptions> = {};
  for (const [stage, settings] of Object.entries(stages)) {
    const { batchSize, retry } = settings;
    if (batchSize === undefined && retry === undefined) continue;
    options[stage] = { ...(batchSize === undefined ? {} : { batchSize }), ...(retry === undefined ? {} : { retry }) };
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

async function listenOps(options: {
  handle: PipelineHandle;
  metrics: PromMetrics | undefined;
  port: number;
  host: string;
  logger: Logger;
}): Promise<OpsServer> {
  const { handle, metrics, port, host, logger } = options;
  try {
    return await startOpsServer({ handle, port, host, logger, ...(metrics === undefined ? {} : { metrics }) });
  } catch (error) {
    throw new SluiceError(
      ErrorCode.Config,
      `metrics server: cannot listen on ${host}:${port}: ${errorMessage(error)}; set metricsPort (--metrics-port) to a free port or "off"`,
      { cause: error },
    );
  }
}
