import { configError } from './config-error.ts';
import type { ConfigLayer, LayerEntry } from './layer.ts';
import { CONFIG_KEYS, STAGE_LEAF_NAMES, TOP_KEYS, type StageLeaf } from './schema.ts';

/** The flag that sets one stage setting: `--stage <stage>.<setting>=<value>`, repeatable. */
export const STAGE_FLAG = 'stage';

/**
 * Reads command-line flags, keyed by flag name without dashes as `node:util` parseArgs returns
 * them: `--data-dir`, `--metrics-port`… (see CONFIG_KEYS) and `--stage parse.batchSize=50`.
 * Names that are not configuration flags are ignored.
 */
export function flagLayer(flags: Readonly<Record<string, unknown>>, cwd: string): ConfigLayer {
  const entries: LayerEntry[] = [];
  for (const key of TOP_KEYS) {
    const { flag } = CONFIG_KEYS[key];
    const raw = flags[flag];
    if (raw !== undefined) entries.push({ target: { key }, raw, where: `--${flag}` });
  }
  const stageFlags = flags[STAGE_FLAG];
  const list: readonly unknown[] = Array.isArray(stageFlags) ? stageFlags : stageFlags === undefined ? [] : [stageFlags];
  for (const item of list) entries.push(stageFlagEntry(String(item)));
  return { source: 'flag', text: true, baseDir: cwd, entries };
}

function stageFlagEntry(text: string): LayerEntry {
  const where = `--${STAGE_FLAG} ${text}`;
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const leaf = STAGE_LEAF_NAMES.find((l) => name.endsWith(`.${l}`));
  if (eq < 0 || leaf === undefined || name.length === leaf.length + 1) {
    throw configError(where, `must look like <stage>.<setting>=<value> with setting one of ${STAGE_LEAF_NAMES.join(', ')}`);
  }
  const stage = name.slice(0, name.length - leaf.length - 1);
  return { target: { stage, leaf: leaf satisfies StageLeaf }, raw: text.slice(eq + 1), where };
}
