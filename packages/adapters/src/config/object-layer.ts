import { configError } from './config-error.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import { STAGE_LEAF_NAMES, TOP_KEYS, type ConfigSource, type StageLeaf, type TopKey } from './schema.ts';

/** Options of {@link objectLayer}. */
export interface ObjectLayerOptions {
  readonly source: ConfigSource;
  /** The object: a parsed config file or the options passed in code. */
  readonly value: unknown;
  /** Names the origin in messages: `sluice.config.json`, `run options`. */
  readonly origin: string;
  readonly baseDir: string;
}

const STAGE_FIELDS = ['batchSize', 'concurrency', 'retry'];
const RETRY_FIELDS = ['maxAttempts', 'backoffMs'];

/**
 * Reads the entries of a configuration object shaped like {@link SluiceConfig} (a config file,
 * or code options). Keys whose value is undefined are skipped; an unknown key, anywhere, throws
 * a CONFIG SluiceError naming it and its origin.
 */
export function objectLayer(options: ObjectLayerOptions): ConfigLayer {
  const { origin } = options;
  const entries: LayerEntry[] = [];
  const root = asObject(options.value, origin, '');
  for (const [key, raw] of Object.entries(root)) {
    if (raw === undefined) continue;
    if (key === 'stages') {
      entries.push(...stageEntries(raw, origin));
    } else if ((TOP_KEYS as string[]).includes(key)) {
      entries.push({ target: { key: key as TopKey }, raw, where: `${origin}: "${key}"` });
    } else {
      throw configError(`${origin}:`, `unknown key "${key}" (known keys: ${[...TOP_KEYS, 'stages'].join(', ')})`);
    }
  }
  return { source: options.source, text: false, baseDir: options.baseDir, entries };
}

function stageEntries(raw: unknown, origin: string): LayerEntry[] {
  const entries: LayerEntry[] = [];
  for (const [stage, settings] of Object.entries(asObject(raw, origin, 'stages'))) {
    if (settings === undefined) continue;
    const at = `stages.${stage}`;
    for (const [field, value] of Object.entries(asObject(settings, origin, at))) {
      if (value === undefined) continue;
      if (!STAGE_FIELDS.includes(field)) throw unknownStageKey(origin, `${at}.${field}`);
      if (field !== 'retry') {
        entries.push(stageEntry(stage, field as StageLeaf, value, origin));
        continue;
      }
      for (const [retryField, retryValue] of Object.entries(asObject(value, origin, `${at}.retry`))) {
        if (retryValue === undefined) continue;
        if (!RETRY_FIELDS.includes(retryField)) throw unknownStageKey(origin, `${at}.retry.${retryField}`);
        entries.push(stageEntry(stage, `retry.${retryField}` as StageLeaf, retryValue, origin));
      }
    }
  }
  return entries;
}

function stageEntry(stage: string, leaf: StageLeaf, raw: unknown, origin: string): LayerEntry {
  return { target: { stage, leaf }, raw, where: `${origin}: "stages.${stage}.${leaf}"` };
}

function unknownStageKey(origin: string, path: string): Error {
  return configError(`${origin}:`, `unknown key "${path}" (stage settings: ${STAGE_LEAF_NAMES.join(', ')})`);
}

function asObject(value: unknown, origin: string, path: string): Readonly<Record<string, unknown>> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  const what = path === '' ? 'must hold a JSON object' : `"${path}" must be an object`;
  throw configError(`${origin}:`, what);
}
