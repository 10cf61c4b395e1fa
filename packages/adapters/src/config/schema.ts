import type { StageOptions } from '@sluice/core';
import type { LmdbDurability } from '../lmdb/lmdb-journal-store.ts';
import {
  boolean,
  nonEmptyString,
  nonNegativeInteger,
  oneOf,
  port,
  portOrOff,
  positiveInteger,
  positiveNumber,
  type Parser,
} from './parsers.ts';

/** Where a configuration value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag' | 'code';

/** The precedence of sources: later ones win. */
export const SOURCE_ORDER: readonly ConfigSource[] = ['default', 'file', 'env', 'flag', 'code'];

/** pino levels a configuration may name. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Retry settings of a stage: attempts in all, and the first backoff (doubled per attempt). */
export interface RetrySettings {
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
}

/** Supervision settings of a stage (see RestartPolicy in @sluice/core). */
export interface RestartSettings {
  readonly maxRestarts?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onExhausted?: 'fail' | 'isolate';
}

/**
 * A stage's circuit breaker (see StageOptions.circuitBreaker in @sluice/core). Its keys are set
 * one by one; resolveConfig refuses a breaker without both failures and openMs.
 */
export type CircuitBreakerSettings = NonNullable<StageOptions['circuitBreaker']>;

/** A stage's rate limit (see StageOptions.rateLimit in @sluice/core); resolveConfig refuses a burst without perSecond. */
export type RateLimitSettings = NonNullable<StageOptions['rateLimit']>;

/** Settings of one stage. */
export interface StageSettings {
  /** Most records per batch for this stage. */
  readonly batchSize?: number;
  /** Handler calls at once within a batch, for stages that keep no state (transform, flatMap). */
  readonly concurrency?: number;
  /** A deadline per handler call, in ms. */
  readonly timeoutMs?: number;
  readonly retry?: RetrySettings;
  readonly restart?: RestartSettings;
  readonly circuitBreaker?: CircuitBreakerSettings;
  readonly rateLimit?: RateLimitSettings;
}

/** The effective configuration of a run. */
export interface SluiceConfig {
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly metricsPort: number | 'off';
  readonly metricsHost: string;
  readonly batchSize: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
  readonly stallAfterMs: number;
  readonly livenessCheckMs: number;
  readonly maxLead: number;
  readonly drainTimeoutMs: number;
  readonly durability: LmdbDurability;
  /** An Ed25519 private key file (PEM): with one, the run keeps a signed audit trail; '' for none. */
  readonly auditKey: string;
  readonly allowDefinitionChange: boolean;
  readonly inspect: boolean;
  readonly inspectPort: number;
  readonly stages: Readonly<Record<string, StageSettings>>;
}

/** The top-level keys, i.e. all but `stages`. */
export type TopKey = Exclude<keyof SluiceConfig, 'stages'>;

/** How one top-level key is parsed, documented and named on the command line. */
export interface KeySpec<T> {
  readonly doc: string;
  readonly parse: Parser<T>;
  /** The default; `dataDir`'s depends on the flow and is computed by the resolver. */
  readonly default: T;
  /** The CLI flag without dashes. */
  readonly flag: string;
  /** A path, resolved against the config file's directory or the working directory. */
  readonly path?: boolean;
  /** Given to the runtime's `run` as the option of the same name; other keys only adapters read. */
  readonly runtime?: boolean;
}

/** Every top-level key. Environment names are `SLUICE_` + the key in SCREAMING_SNAKE_CASE. */
export const CONFIG_KEYS: { readonly [K in TopKey]: KeySpec<SluiceConfig[K]> } = {
  dataDir: {
    doc: 'the flow data directory (the LMDB environment); default .sluice/<flow name>',
    parse: nonEmptyString,
    default: '',
    flag: 'data-dir',
    path: true,
  },
  logLevel: { doc: 'pino log level', parse: oneOf(LOG_LEVELS), default: 'info', flag: 'log-level' },
  metricsPort: {
    doc: 'port of the /metrics, /health, /flow, /control and /events server, or "off"',
    parse: portOrOff,
    default: 'off',
    flag: 'metrics-port',
  },
  metricsHost: { doc: 'interface the metrics server binds', parse: nonEmptyString, default: '127.0.0.1', flag: 'metrics-host' },
  batchSize: { doc: 'most records per batch for stages that set none', parse: positiveInteger, default: 1000, flag: 'batch-size', runtime: true },
  pollMinMs: { doc: 'shortest poll backoff when no commit notification arrives', parse: nonNegativeInteger, default: 2, flag: 'poll-min-ms', runtime: true },
  pollMaxMs: { doc: 'longest poll backoff', parse: positiveInteger, default: 200, flag: 'poll-max-ms', runtime: true },
  stallAfterMs: { doc: 'an edge with lag whose cursor has not moved this long is stalled', parse: positiveInteger, default: 30_000, flag: 'stall-after-ms', runtime: true },
  livenessCheckMs: { doc: 'how often lag and stalls are checked', parse: positiveInteger, default: 1000, flag: 'liveness-check-ms', runtime: true },
  maxLead: { doc: 'backpressure: a stage this many records ahead of its slowest consumer waits', parse: positiveInteger, default: 50_000, flag: 'max-lead', runtime: true },
  drainTimeoutMs: {
    doc: 'on SIGINT/SIGTERM, how long to drain before cancelling',
    parse: positiveInteger,
    default: 30_000,
    flag: 'drain-timeout',
  },
  durability: {
    doc: 'when LMDB commits resolve',
    parse: oneOf<LmdbDurability>(['fsync', 'may-lose-last-commits-on-power-loss']),
    default: 'fsync',
    flag: 'durability',
  },
  auditKey: {
    doc: 'Ed25519 private key file (sluice keygen): hash-chain every record and sign the chain heads; sluice audit verify checks them',
    parse: nonEmptyString,
    default: '',
    flag: 'audit-key',
    path: true,
  },
  allowDefinitionChange: {
    doc: 'run on a data directory written by a different flow definition',
    parse: boolean,
    default: false,
    flag: 'allow-definition-change',
    runtime: true,
  },
  inspect: { doc: 'attach the Stately inspector (a local WebSocket relay)', parse: boolean, default: false, flag: 'inspect' },
  inspectPort: { doc: 'port of the local Stately inspector relay', parse: port, default: 9465, flag: 'inspect-port' },
};

/** Names of the top-level keys, in documentation order. */
export const TOP_KEYS = Object.keys(CONFIG_KEYS) as TopKey[];

/** The top-level keys marked `runtime`: passed to the runtime's `run` as resolved. */
export const RUNTIME_KEYS: readonly TopKey[] = TOP_KEYS.filter((key) => CONFIG_KEYS[key].runtime === true);

/** How one per-stage setting is parsed; `path` is its place in {@link StageSettings}. */
export interface StageLeafSpec {
  readonly path:
    | readonly [keyof StageSettings]
    | readonly ['retry', keyof RetrySettings]
    | readonly ['restart', keyof RestartSettings]
    | readonly ['circuitBreaker', keyof CircuitBreakerSettings]
    | readonly ['rateLimit', keyof RateLimitSettings];
  readonly doc: string;
  readonly parse: Parser<number> | Parser<'fail' | 'isolate'>;
}

/** The per-stage settings, by dotted name. */
export const STAGE_LEAVES = {
  batchSize: { path: ['batchSize'], doc: 'most records per batch for this stage', parse: positiveInteger },
  concurrency: {
    path: ['concurrency'],
    doc: 'handler calls at once within a batch, for transforms and flatMaps (outputs keep input order)',
    parse: positiveInteger,
  },
  timeoutMs: {
    path: ['timeoutMs'],
    doc: 'deadline per handler call, in ms: a longer call is abandoned as a retryable timeout',
    parse: positiveInteger,
  },
  'retry.maxAttempts': {
    path: ['retry', 'maxAttempts'],
    doc: 'attempts per record before the error lane',
    parse: positiveInteger,
  },
  'retry.backoffMs': {
    path: ['retry', 'backoffMs'],
    doc: 'wait before the second attempt, doubled per attempt',
    parse: nonNegativeInteger,
  },
  'restart.maxRestarts': {
    path: ['restart', 'maxRestarts'],
    doc: 'restarts of a stage whose loop failed before onExhausted applies (default 3)',
    parse: nonNegativeInteger,
  },
  'restart.backoffMs': {
    path: ['restart', 'backoffMs'],
    doc: 'wait before the first restart, doubled per restart (default 200)',
    parse: nonNegativeInteger,
  },
  'restart.maxBackoffMs': {
    path: ['restart', 'maxBackoffMs'],
    doc: 'longest wait between restarts (default 30000)',
    parse: nonNegativeInteger,
  },
  'restart.onExhausted': {
    path: ['restart', 'onExhausted'],
    doc: 'when restarts are used up or cannot help: fail the flow, or isolate the stage (fail|isolate)',
    parse: oneOf(['fail', 'isolate']),
  },
  'circuitBreaker.failures': {
    path: ['circuitBreaker', 'failures'],
    doc: 'consecutive failed handler calls that open the stage\'s circuit breaker (with openMs)',
    parse: positiveInteger,
  },
  'circuitBreaker.openMs': {
    path: ['circuitBreaker', 'openMs'],
    doc: 'how long an open breaker makes calls fail fast (retryable CIRCUIT_OPEN) before trial calls',
    parse: nonNegativeInteger,
  },
  'circuitBreaker.halfOpenCalls': {
    path: ['circuitBreaker', 'halfOpenCalls'],
    doc: 'trial calls of a half-open breaker; that many successes close it (default 1)',
    parse: positiveInteger,
  },
  'rateLimit.perSecond': {
    path: ['rateLimit', 'perSecond'],
    doc: 'most handler calls per second (a token bucket on the run\'s clock)',
    parse: positiveNumber,
  },
  'rateLimit.burst': {
    path: ['rateLimit', 'burst'],
    doc: 'calls that may go at once after a quiet spell (default 1: evenly spaced)',
    parse: positiveInteger,
  },
} as const satisfies Readonly<Record<string, StageLeafSpec>>;

/** A per-stage setting's dotted name. */
export type StageLeaf = keyof typeof STAGE_LEAVES;

/** Names of the per-stage settings. */
export const STAGE_LEAF_NAMES = Object.keys(STAGE_LEAVES) as StageLeaf[];

/** `metricsPort` → `METRICS_PORT`. */
export function screamingSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '__').toUpperCase();
}

/** The environment variable of a top-level key. */
export function envName(key: TopKey): string {
  return `SLUICE_${screamingSnake(key)}`;
}

/** The environment variable of a per-stage setting, for a stage named `stage`. */
export function stageEnvName(stage: string, leaf: StageLeaf): string {
  return `SLUICE_STAGES__${envStage(stage)}__${screamingSnake(leaf)}`;
}

/** A stage name as it appears in an environment variable: upper case, other characters `_`. */
export function envStage(stage: string): string {
  return stage.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
