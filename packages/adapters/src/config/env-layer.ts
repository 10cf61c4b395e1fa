import { didYouMean } from './did-you-mean.ts';
import { suggestion, type ConfigProblems } from './config-problems.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import {
  STAGE_LEAF_NAMES,
  TOP_KEYS,
  envName,
  envStage,
  screamingSnake,
  stageEnvName,
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
 * Empty variables count as unset. Every other `SLUICE_` variable (but `SLUICE_CONFIG`), and a
 * stage variable that names no stage of `flow`, is reported to `problems` with the variable it
 * nearly matches.
 */
export function envLayer(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flow: FlowShape | undefined,
  problems: ConfigProblems,
): ConfigLayer {
  const byName = new Map<string, TopKey>(TOP_KEYS.map((key) => [envName(key), key]));
  const entries: LayerEntry[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith('SLUICE_') || raw === undefined || raw === '' || name === CONFIG_FILE_ENV) continue;
    const where = `environment variable ${name}`;
    const key = byName.get(name);
    if (key !== undefined) {
      entries.push({ target: { key }, raw, where });
      continue;
    }
    const target = name.startsWith(STAGE_PREFIX) ? stageTarget(name, flow) : undefined;
    if (typeof target === 'object') {
      entries.push({ target, raw, where });
    } else if (typeof target === 'string') {
      problems.add(where, target);
    } else {
      const near = didYouMean(name, [...byName.keys(), CONFIG_FILE_ENV, ...stageVariables(flow)]);
      const known = `(known: ${[...byName.keys(), `${STAGE_PREFIX}<STAGE>__<SETTING>`, CONFIG_FILE_ENV].join(', ')})`;
      problems.add(where, `is not a Sluice setting ${suggestion(near, known)}`);
    }
  }
  return { source: 'env', text: true, baseDir: cwd, entries };
}

/** The stage and setting a `SLUICE_STAGES__…` variable sets, or what is wrong with it. */
function stageTarget(name: string, flow: FlowShape | undefined): { stage: string; leaf: StageLeaf } | string {
  const rest = name.slice(STAGE_PREFIX.length);
  const leaf = STAGE_LEAF_NAMES.find((l) => rest.endsWith(`__${screamingSnake(l)}`));
  const segment = leaf === undefined ? '' : rest.slice(0, -`__${screamingSnake(leaf)}`.length);
  const near = didYouMean(name, stageVariables(flow));
  if (leaf === undefined || segment === '') {
    const settings = STAGE_LEAF_NAMES.map((l) => screamingSnake(l)).join(', ');
    return `must be ${STAGE_PREFIX}<STAGE>__<SETTING> ${suggestion(near, `with SETTING one of ${settings}`)}`;
  }
  if (flow === undefined) return { stage: segment.toLowerCase(), leaf };
  const matches = flow.stages.filter((stage) => envStage(stage) === segment);
  if (matches.length === 1 && matches[0] !== undefined) return { stage: matches[0], leaf };
  if (matches.length > 1) return `is ambiguous: it matches stages ${matches.map((m) => `"${m}"`).join(', ')}`;
  const known = `(stages: ${flow.stages.map((stage) => envStage(stage)).join(', ')})`;
  return `names no stage of flow "${flow.name}" ${suggestion(near, known)}`;
}

/** Every stage variable the flow can take. */
function stageVariables(flow: FlowShape | undefined): string[] {
  return (flow?.stages ?? []).flatMap((stage) => STAGE_LEAF_NAMES.map((leaf) => stageEnvName(stage, leaf)));
}
