import { configError } from './config-error.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import {
  STAGE_LEAF_NAMES,
  TOP_KEYS,
  envName,
  envStage,
  screamingSnake,
  type StageLeaf,
  type TopKey,
} from './schema.ts';

/** The variable naming a config file; not a setting itself. */
export const CONFIG_FILE_ENV = 'SLUICE_CONFIG';

const STAGE_PREFIX = 'SLUICE_STAGES__';

/** The flow whose stage names `SLUICE_STAGES__<STAGE>__…` variables are matched against. */
export interface FlowShape {
  readonly name: string;
  readonly stages: readonly string[];
}

/**
 * Reads the `SLUICE_*` environment variables: `SLUICE_<KEY>` for a top-level key
 * (`SLUICE_METRICS_PORT`) and `SLUICE_STAGES__<STAGE>__<SETTING>` for a stage setting
 * (`SLUICE_STAGES__PARSE__BATCH_SIZE`, `SLUICE_STAGES__PARSE__RETRY__MAX_ATTEMPTS`), where
 * `<STAGE>` is the stage name upper-cased with every other character than A-Z and 0-9 as `_`.
 * Empty variables count as unset. Any other `SLUICE_` variable (but `SLUICE_CONFIG`) throws a
 * CONFIG SluiceError naming it, and so does a stage variable that names no stage of `flow`.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>, cwd: string, flow?: FlowShape): ConfigLayer {
  const byName = new Map<string, TopKey>(TOP_KEYS.map((key) => [envName(key), key]));
  const entries: LayerEntry[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith('SLUICE_') || raw === undefined || raw === '' || name === CONFIG_FILE_ENV) continue;
    const where = `environment variable ${name}`;
    const key = byName.get(name);
    if (key !== undefined) {
      entries.push({ target: { key }, raw, where });
    } else if (name.startsWith(STAGE_PREFIX)) {
      entries.push({ target: stageTarget(name, where, flow), raw, where });
    } else {
      const known = [...byName.keys(), `${STAGE_PREFIX}<STAGE>__<SETTING>`, CONFIG_FILE_ENV].join(', ');
      throw configError(where, `is not a Sluice setting (known: ${known})`);
    }
  }
  return { source: 'env', text: true, baseDir: cwd, entries };
}

function stageTarget(name: string, where: string, flow: FlowShape | undefined): { stage: string; leaf: StageLeaf } {
  const rest = name.slice(STAGE_PREFIX.length);
  const leaf = STAGE_LEAF_NAMES.find((l) => rest.endsWith(`__${screamingSnake(l)}`));
  const segment = leaf === undefined ? '' : rest.slice(0, -`__${screamingSnake(leaf)}`.length);
  if (leaf === undefined || segment === '') {
    const settings = STAGE_LEAF_NAMES.map((l) => screamingSnake(l)).join(', ');
    throw configError(where, `must be ${STAGE_PREFIX}<STAGE>__<SETTING> with SETTING one of ${settings}`);
  }
  if (flow === undefined) return { stage: segment.toLowerCase(), leaf };
  const matches = flow.stages.filter((stage) => envStage(stage) === segment);
  if (matches.length === 1 && matches[0] !== undefined) return { stage: matches[0], leaf };
  if (matches.length > 1) {
    throw configError(where, `is ambiguous: it matches stages ${matches.map((m) => `"${m}"`).join(', ')}`);
  }
  const known = flow.stages.map((stage) => envStage(stage)).join(', ');
  throw configError(where, `names no stage of flow "${flow.name}" (stages: ${known})`);
}
