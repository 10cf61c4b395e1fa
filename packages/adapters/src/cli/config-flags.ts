import { CONFIG_FILE_NAME } from '../config/file-layer.ts';
import { STAGE_FLAG } from '../config/flag-layer.ts';
import { boolean } from '../config/parsers.ts';
import type { ConfigInput } from '../config/resolve-config.ts';
import { CONFIG_KEYS, STAGE_LEAF_NAMES, TOP_KEYS, envName, type SluiceConfig, type TopKey } from '../config/schema.ts';
import { stringFlag, type FlagValues, type OptionSpecs } from './args.ts';

/** What the CLI defaults differently from an embedded run: it serves metrics on 9464 (a free port if 9464 is taken). */
export const CLI_DEFAULTS: { readonly [K in TopKey]?: SluiceConfig[K] } = { metricsPort: 9464 };

const PLACEHOLDERS: Partial<Record<TopKey, string>> = {
  dataDir: 'DIR',
  logLevel: 'LEVEL',
  metricsPort: 'PORT|off',
  metricsHost: 'HOST',
  durability: 'MODE',
  inspectPort: 'PORT',
};

function isBooleanKey(key: TopKey): boolean {
  return (CONFIG_KEYS[key].parse as unknown) === boolean;
}

/** parseArgs declarations of every configuration flag, `--config` and `--stage`. */
export function configFlagOptions(): OptionSpecs {
  const options: OptionSpecs = { config: { type: 'string' }, [STAGE_FLAG]: { type: 'string', multiple: true } };
  for (const key of TOP_KEYS) options[CONFIG_KEYS[key].flag] = { type: isBooleanKey(key) ? 'boolean' : 'string' };
  return options;
}

/** Help lines for the configuration flags. */
export function configFlagHelp(): string[] {
  const rows: [string, string][] = [[`--config FILE`, `config file (default ./${CONFIG_FILE_NAME}, or $SLUICE_CONFIG)`]];
  for (const key of TOP_KEYS) {
    const spec = CONFIG_KEYS[key];
    const placeholder = isBooleanKey(key) ? '' : ` ${PLACEHOLDERS[key] ?? (key.endsWith('Ms') ? 'MS' : 'N')}`;
    const fallback = CLI_DEFAULTS[key] ?? spec.default;
    // A taken default metrics port is not the user's choice: the run serves on a free one instead.
    const taken = key === 'metricsPort' ? ', or a free port if that is taken' : '';
    const shown = key === 'dataDir' ? '' : ` (default ${String(fallback)}${taken})`;
    rows.push([`--${spec.flag}${placeholder}`, `${spec.doc}${shown}; ${envName(key)}`]);
  }
  rows.push([`--${STAGE_FLAG} STAGE.SETTING=VALUE`, `a per-stage setting, repeatable (${STAGE_LEAF_NAMES.join(', ')})`]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, doc]) => `  ${flag.padEnd(width)}  ${doc}`);
}

/** The configuration input of a CLI command: its flags, the environment and the config file. */
export function configInput(flags: FlagValues): ConfigInput {
  const file = stringFlag(flags, 'config');
  return {
    cwd: process.cwd(),
    env: process.env,
    flags,
    defaults: CLI_DEFAULTS,
    ...(file === undefined ? {} : { file }),
  };
}
