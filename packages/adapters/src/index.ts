/**
 * @sluice/adapters — the outer ring of Sluice: implementations of the core ports (pino
 * logger, LMDB journal store, metrics) and the sources and sinks that move data in and out
 * of a flow (arrays, JSON Lines and CSV files, the console).
 *
 * ```ts
 * import { flow, sink, source, transform } from '@sluice/core';
 * import { consoleSink, jsonLinesSink, jsonLinesSource } from '@sluice/adapters';
 * const orders = source('orders', jsonLinesSource<Order>('orders.jsonl'));
 * const priced = transform('price', orders, (o) => ({ ...o, total: o.qty * o.unit }));
 * export default flow('orders', [
 *   sink('report', priced, jsonLinesSink('priced.jsonl')),
 *   sink('echo', priced, consoleSink()),
 * ]);
 * ```
 */
export { arraySource } from './io/array-source.ts';
export {
  jsonLinesSource,
  type JsonLinesPosition,
  type JsonLinesSourceOptions,
} from './io/json-lines-source.ts';
export {
  csvSource,
  type CsvColumn,
  type CsvColumns,
  type CsvColumnType,
  type CsvPosition,
  type CsvRow,
  type CsvSourceOptions,
  type CsvValue,
} from './io/csv-source.ts';
export {
  jsonLinesSink,
  type JsonLinesSinkOptions,
  type JsonLinesSinkPosition,
} from './io/json-lines-sink.ts';
export { consoleSink, type ConsoleSinkOptions } from './io/console-sink.ts';
export {
  timerSource,
  type MissedTicks,
  type Tick,
  type TimerPosition,
  type TimerSourceOptions,
} from './io/timer-source.ts';
export { httpSource, type HttpSourceOptions, type HttpSourcePosition } from './io/http-source.ts';
export type { LineFormat } from './io/format-lines.ts';
export {
  command,
  commandKind,
  type CommandBuild,
  type CommandExit,
  type CommandInvocation,
  type CommandLine,
  type CommandOptions,
  type CommandRecord,
  type CommandSettings,
  type CommandSpec,
} from './command/index.ts';
export { createPinoLogger, PinoLogger, type PinoLoggerOptions } from './pino-logger.ts';
export {
  configurationRecord,
  resolveLocalConfig,
  run,
  type LocalRunEndpoints,
  type LocalRunOptions,
} from './run-local.ts';
export { flushLogs, installShutdownHandlers, type ShutdownOptions } from './signals.ts';
export {
  resolveConfig,
  type CodeConfig,
  type ConfigInput,
  type ResolveConfigOptions,
  type ResolvedConfig,
} from './config/resolve-config.ts';
export {
  CONFIG_KEYS,
  LOG_LEVELS,
  type ConfigSource,
  type LogLevel,
  type RetrySettings,
  type SluiceConfig,
  type StageSettings,
} from './config/schema.ts';
export { CONFIG_FILE_NAME } from './config/file-layer.ts';
export {
  startStatelyInspector,
  STATELY_INSPECTOR_URL,
  type StatelyInspector,
  type StatelyInspectorOptions,
} from './inspect/stately-inspector.ts';
export {
  LmdbJournalStore,
  type LmdbDurability,
  type LmdbJournalStoreOptions,
} from './lmdb/lmdb-journal-store.ts';
export type { LmdbAuditOptions } from './lmdb/audit-options.ts';
export { openAuditSource, type LmdbAuditSource } from './lmdb/audit-reader.ts';
export {
  generateAuditKeyPair,
  readPrivateKey,
  readPublicKey,
  type AuditKeyPair,
  type AuditPrivateKey,
} from './audit/audit-keys.ts';
export type { AuditSource, SignedCheckpoint } from './audit/audit-source.ts';
export {
  verifyAudit,
  type AuditReport,
  type AuditStatus,
  type UnsignedTail,
  type VerifyAuditOptions,
} from './audit/verify-audit.ts';
export type { AuditFinding, TamperKind } from './audit/verify-chain.ts';
export { bundleSource, exportBundle, type AuditBundle, type BundleJournal } from './audit/audit-bundle.ts';
export { defaultHeadFile, readHeadFile } from './audit/head-file.ts';
export { PromMetrics, type PromMetricsOptions } from './metrics/prom-metrics.ts';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './http/ops-server.ts';
export type { Health } from './http/health.ts';
export type { ControlRequest } from './http/control.ts';
export { describeCounts, type StageCounts } from './cli/stage-counts.ts';
