import { didYouMean } from './did-you-mean.ts';
import { suggestion, type ConfigProblems } from './config-problems.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import { CONFIG_KEYS, STAGE_LEAF_NAMES, TOP_KEYS, type StageLeaf } from './schema.ts';

/** The flag that sets one stage setting: `--stage <stage>.<setting>=<value>`, repeatable. */
export const STAGE_FLAG = 'stage';

/**
 * Reads command-line flags, keyed by flag name without dashes as `node:util` parseArgs returns
 * them: `--data-dir`, `--metrics-port`… (see CONFIG_KEYS) and `--stage parse.batchSize=50`.
 * Names that are not configuration flags are ignored; a malformed `--stage` is reported to
 * `problems`, with the setting it nearly names.
 */
export function flagLayer(flags: Readonly<Record<string, unknown>>, cwd: string, problems: ConfigProblems): ConfigLayer {
  const entries: LayerEntry[] = [];
  for (const key of TOP_KEYS) {
    const { flag } = CONFIG_KEYS[key];
    const raw = flags[flag];
    if (raw !== undefined) entries.push({ target: { key }, raw, where: `--${flag}` });
  }
  const stageFlags = flags[STAGE_FLAG];
  const list: readonly unknown[] = Array.isArray(stageFlags) ? stageFlags : stageFlags === undefined ? [] : [stageFlags];
  for (const item of list) {
    const entry = stageFlagEntry(String(item), problems);
    if (entry !== undefined) entries.push(entry);
  }
  return { source: 'flag', text: true, baseDir: cwd, entries };
}

function stageFlagEntry(text: string, problems: ConfigProblems): LayerEntry | undefined {
  const where = `--${STAGE_FLAG} ${text}`;
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const leaf = STAGE_LEAF_NAMES.find((l) => name.endsWith(`.${l}`));
  if (eq >= 0 && leaf !== undefined && name.length > leaf.length + 1) {
    const stage = name.slice(0, name.length - leaf.length - 1);
    return { target: { stage, leaf: leaf satisfies StageLeaf }, raw: text.slice(eq + 1), where };
  }
  const near = eq < 0 ? undefined : nearSetting(name);
  if (near === undefined) {
    problems.add(where, `must look like <stage>.<setting>=<value> with setting one of ${STAGE_LEAF_NAMES.join(', ')}`);
  } else {
    problems.add(where, `names no setting of stage "${near.stage}" ${suggestion(`${near.stage}.${near.leaf}${text.slice(eq)}`, '')}`);
  }
  return undefined;
}

/** The first split of `name` into a stage and a near miss of a setting (`parse.batchsize`). */
function nearSetting(name: string): { stage: string; leaf: string } | undefined {
  for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
    const leaf = didYouMean(name.slice(dot + 1), STAGE_LEAF_NAMES);
    if (leaf !== undefined) return { stage: name.slice(0, dot), leaf };
  }
  return undefined;
}
