import { resolve } from 'node:path';
import { showValue } from './config-error.ts';
import { suggestion, ConfigProblems } from './config-problems.ts';
import { didYouMean } from './did-you-mean.ts';
import { CONFIG_FILE_ENV, envLayer, type FlowShape } from './env-layer.ts';
import { fileLayer } from './file-layer.ts';
import { flagLayer } from './flag-layer.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import { objectLayer } from './object-layer.ts';
import { ValueProblem } from './parsers.ts';
import {
  CONFIG_KEYS,
  STAGE_LEAVES,
  TOP_KEYS,
  type ConfigSource,
  type StageLeafSpec,
  type SluiceConfig,
  type StageSettings,
  type TopKey,
} from './schema.ts';

/**
 * Configuration values set in code: any key of {@link SluiceConfig}, undefined meaning unset.
 * They are checked like the others (`logLevel` is any string here, and checked).
 */
export type CodeConfig = {
  readonly [K in keyof SluiceConfig]?: (K extends 'logLevel' ? string : SluiceConfig[K]) | undefined;
};

/** Where the configuration of a run is read from, besides code. */
export interface ConfigInput {
  /** The working directory: where `sluice.config.json` is looked for and relative paths start (default `process.cwd()`). */
  readonly cwd?: string;
  /** The environment whose `SLUICE_*` variables are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The config file (default `$SLUICE_CONFIG`, else `sluice.config.json` if present); `false` reads none. */
  readonly file?: string | false;
  /** Command-line flags by name, as parseArgs returns them. */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Defaults that replace the built-in ones (the CLI serves metrics by default). */
  readonly defaults?: { readonly [K in TopKey]?: SluiceConfig[K] };
}

/** Options of {@link resolveConfig}. */
export interface ResolveConfigOptions extends ConfigInput {
  /** Values set in code; they win over everything else. */
  readonly code?: CodeConfig;
  /** The flow: names the default data directory and the stages `stages` may configure. */
  readonly flow?: FlowShape;
}

/** The effective configuration and the source of each value (per stage setting: `stages.<stage>.<setting>`). */
export interface ResolvedConfig {
  readonly values: SluiceConfig;
  readonly sources: Readonly<Record<string, ConfigSource>>;
  /** The config file read, if any. */
  readonly file: string | undefined;
}

/**
 * Resolves the configuration: defaults < config file < `SLUICE_*` environment < flags < code.
 * Every value is parsed and checked. Bad values, unknown keys or variables, and stages the
 * flow does not have are all collected and thrown together as one CONFIG SluiceError (a
 * {@link ConfigError}) with one line per problem, each naming the key and its source, e.g.
 * `sluice.config.json: "batchSize" must be a positive integer, got "x"`, and the known name a
 * near miss was meant to be (`unknown key "logLevl" (did you mean "logLevel"?)`).
 */
export function resolveConfig(options: ResolveConfigOptions = {}): ResolvedConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const problems = new ConfigProblems();
  const file = fileLayer(options.file ?? env[CONFIG_FILE_ENV], cwd, problems);
  // Each layer is read just before it applies, so its problems are listed with its source's.
  const layers: (() => ConfigLayer)[] = [
    () => file.layer,
    () => envLayer(env, cwd, options.flow, problems),
    () => flagLayer(options.flags ?? {}, cwd, problems),
    () => objectLayer({ source: 'code', value: options.code ?? {}, origin: 'run options', baseDir: cwd, problems }),
  ];
  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const key of TOP_KEYS) {
    values[key] = options.defaults?.[key] ?? CONFIG_KEYS[key].default;
    sources[key] = 'default';
  }
  values['dataDir'] = options.defaults?.dataDir ?? resolve(cwd, '.sluice', options.flow?.name ?? 'flow');
  const stages: Record<string, StageSettings> = {};
  for (const read of layers) {
    const layer = read();
    for (const entry of layer.entries) apply(layer, entry, { values, sources, stages, flow: options.flow, problems });
  }
  values['stages'] = stages;
  const config = values as unknown as SluiceConfig;
  checkPolling(config, sources, problems);
  checkGroups(config, problems);
  problems.throwIfAny();
  return { values: config, sources, file: file.path };
}

interface Target {
  readonly values: Record<string, unknown>;
  readonly sources: Record<string, ConfigSource>;
  readonly stages: Record<string, StageSettings>;
  readonly flow: FlowShape | undefined;
  readonly problems: ConfigProblems;
}

function apply(layer: ConfigLayer, entry: LayerEntry, into: Target): void {
  const { target } = entry;
  if ('key' in target) {
    const spec = CONFIG_KEYS[target.key];
    const parsed = parse(entry, into.problems, target.key, () => spec.parse(entry.raw, layer.text));
    if (parsed === FAILED) return;
    into.values[target.key] = spec.path === true ? resolve(layer.baseDir, parsed as string) : parsed;
    into.sources[target.key] = layer.source;
    return;
  }
  const { stage, leaf } = target;
  const { flow, problems } = into;
  if (flow !== undefined && !flow.stages.includes(stage)) {
    const near = didYouMean(stage, flow.stages);
    const known = `(stages: ${flow.stages.join(', ')})`;
    problems.add(entry.where, `names no stage of flow "${flow.name}" ${suggestion(near === undefined ? undefined : `"${near}"`, known)}`);
    return;
  }
  const spec = STAGE_LEAVES[leaf];
  const value = parse(entry, problems, `stages.${stage}.${leaf}`, () => spec.parse(entry.raw, layer.text));
  if (value === FAILED) return;
  const current = into.stages[stage] ?? {};
  const path: StageLeafSpec['path'] = spec.path;
  into.stages[stage] = path.length === 1 ? { ...current, [path[0]]: value } : { ...current, [path[0]]: { ...current[path[0]], [path[1]]: value } };
  into.sources[`stages.${stage}.${leaf}`] = layer.source;
}

/** What {@link parse} returns for a value it reported. */
const FAILED = Symbol('failed');

function parse<T>(entry: LayerEntry, problems: ConfigProblems, key: string, run: () => T): T | typeof FAILED {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ValueProblem)) throw error;
    problems.add(entry.where, `${error.message}, got ${showValue(entry.raw)}`, key);
    return FAILED;
  }
}

/** The poll range is checked only when both ends parsed, so a bad end reports once. */
function checkPolling(config: SluiceConfig, sources: Readonly<Record<string, ConfigSource>>, problems: ConfigProblems): void {
  if (config.pollMinMs <= config.pollMaxMs || problems.hasFailed('pollMinMs') || problems.hasFailed('pollMaxMs')) return;
  problems.add(
    `pollMinMs (${config.pollMinMs}, from ${sources['pollMinMs'] ?? 'default'})`,
    `must not exceed pollMaxMs (${config.pollMaxMs}, from ${sources['pollMaxMs'] ?? 'default'})`,
  );
}

/** Settings of a group that only work together: a breaker needs failures and openMs, a burst its rate. */
const REQUIRED_IN_GROUP = { circuitBreaker: ['failures', 'openMs'], rateLimit: ['perSecond'] } as const;

function checkGroups(config: SluiceConfig, problems: ConfigProblems): void {
  for (const [stage, settings] of Object.entries(config.stages)) {
    for (const [group, required] of Object.entries(REQUIRED_IN_GROUP)) {
      const set = settings[group as keyof typeof REQUIRED_IN_GROUP] as Readonly<Record<string, unknown>> | undefined;
      if (set === undefined) continue;
      const missing = required.filter((field) => set[field] === undefined && !problems.hasFailed(`stages.${stage}.${group}.${field}`));
      if (missing.length === 0) continue;
      problems.add(`"stages.${stage}.${group}"`, `needs ${missing.join(' and ')} too (set: ${Object.keys(set).join(', ')})`);
    }
  }
}
