import { didYouMean } from './did-you-mean.ts';
import { suggestion, type ConfigProblems } from './config-problems.ts';
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
  /** Where unknown keys and misshapen objects are reported. */
  readonly problems: ConfigProblems;
}

const TOP_FIELDS: readonly string[] = [...TOP_KEYS, 'stages'];
/** Per-stage fields from the schema: plain ones (`batchSize`) and groups (`retry` → its fields). */
const STAGE_GROUPS = new Map<string, string[]>();
for (const leaf of STAGE_LEAF_NAMES) {
  const [group, field] = leaf.split('.');
  if (group !== undefined && field !== undefined) STAGE_GROUPS.set(group, [...(STAGE_GROUPS.get(group) ?? []), field]);
}
const STAGE_FIELDS: readonly string[] = [...STAGE_LEAF_NAMES.filter((leaf) => !leaf.includes('.')), ...STAGE_GROUPS.keys()];

/**
 * Reads the entries of a configuration object shaped like {@link SluiceConfig} (a config file,
 * or code options). Keys whose value is undefined are skipped; every unknown key, anywhere, is
 * reported to `problems` naming it and its origin, with the known key it nearly matches.
 */
export function objectLayer(options: ObjectLayerOptions): ConfigLayer {
  const { origin, problems } = options;
  const entries: LayerEntry[] = [];
  const empty: ConfigLayer = { source: options.source, text: false, baseDir: options.baseDir, entries };
  const root = asObject(options.value, options, '');
  if (root === undefined) return empty;
  for (const [key, raw] of Object.entries(root)) {
    if (raw === undefined) continue;
    if (key === 'stages') {
      entries.push(...stageEntries(raw, options));
    } else if ((TOP_KEYS as string[]).includes(key)) {
      entries.push({ target: { key: key as TopKey }, raw, where: `${origin}: "${key}"` });
    } else {
      const near = didYouMean(key, TOP_FIELDS);
      const known = `(known keys: ${TOP_FIELDS.join(', ')})`;
      problems.add(`${origin}:`, `unknown key "${key}" ${suggestion(near === undefined ? undefined : `"${near}"`, known)}`);
    }
  }
  return empty;
}

function stageEntries(raw: unknown, options: ObjectLayerOptions): LayerEntry[] {
  const entries: LayerEntry[] = [];
  for (const [stage, settings] of Object.entries(asObject(raw, options, 'stages') ?? {})) {
    if (settings === undefined) continue;
    const at = `stages.${stage}`;
    for (const [field, value] of Object.entries(asObject(settings, options, at) ?? {})) {
      if (value === undefined) continue;
      if (!STAGE_FIELDS.includes(field)) {
        unknownStageKey(options, at, field, STAGE_FIELDS);
      } else {
        const group = STAGE_GROUPS.get(field);
        if (group === undefined) {
          entries.push(stageEntry(stage, field as StageLeaf, value, options.origin));
          continue;
        }
        for (const [inner, innerValue] of Object.entries(asObject(value, options, `${at}.${field}`) ?? {})) {
          if (innerValue === undefined) continue;
          if (group.includes(inner)) entries.push(stageEntry(stage, `${field}.${inner}` as StageLeaf, innerValue, options.origin));
          else unknownStageKey(options, `${at}.${field}`, inner, group);
        }
      }
    }
  }
  return entries;
}

function stageEntry(stage: string, leaf: StageLeaf, raw: unknown, origin: string): LayerEntry {
  return { target: { stage, leaf }, raw, where: `${origin}: "stages.${stage}.${leaf}"` };
}

function unknownStageKey(options: ObjectLayerOptions, at: string, field: string, fields: readonly string[]): void {
  const near = didYouMean(field, fields);
  const known = `(stage settings: ${STAGE_LEAF_NAMES.join(', ')})`;
  options.problems.add(`${options.origin}:`, `unknown key "${at}.${field}" ${suggestion(near === undefined ? undefined : `"${at}.${near}"`, known)}`);
}

function asObject(value: unknown, options: ObjectLayerOptions, path: string): Readonly<Record<string, unknown>> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  options.problems.add(`${options.origin}:`, path === '' ? 'must hold a JSON object' : `"${path}" must be an object`);
  return undefined;
}
