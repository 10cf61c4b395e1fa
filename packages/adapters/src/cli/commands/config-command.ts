import type { ResolvedConfig } from '../../config/resolve-config.ts';
import { envName, stageEnvName, TOP_KEYS, STAGE_LEAF_NAMES } from '../../config/schema.ts';
import { resolveLocalConfig } from '../../run-local.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { configFlagHelp, configFlagOptions, configInput } from '../config-flags.ts';
import { loadFlow } from '../load-flow.ts';
import { formatTable } from '../table.ts';

const USAGE = `usage: sluice config <flow-file> [options] [--json]

Prints the configuration "sluice run <flow-file>" would use with the same options, and where
each value comes from: default, file (sluice.config.json or --config), env (SLUICE_*), flag.
Precedence: defaults < config file < environment < flags < options passed to run() in code.

The config file is a JSON object with the keys below (camelCase) and "stages":
  { "batchSize": 500, "metricsPort": "off", "stages": { "parse": { "batchSize": 50, "retry": { "maxAttempts": 3 } } } }
Environment: SLUICE_<KEY> (SLUICE_METRICS_PORT=9464) and SLUICE_STAGES__<STAGE>__<SETTING>
(SLUICE_STAGES__PARSE__BATCH_SIZE=50, SLUICE_STAGES__PARSE__RETRY__MAX_ATTEMPTS=3), where
<STAGE> is the stage name upper-cased with other characters than A-Z, 0-9 as "_". Unknown
keys and SLUICE_ variables and bad values are all reported at once (exit 1), one line each
naming where it was written, with the name a near miss was meant to be. Per-stage batch size
and retry are applied; concurrency is checked and recorded, not applied by the runtime yet.

Options:
${configFlagHelp().join('\n')}
  --json                       {values, sources, file} as JSON
  -h, --help                   this text`;

/** `sluice config <flow-file>`: the effective configuration and the source of each value. */
export const configCommand: Command = {
  name: 'config',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'config',
      options: { ...configFlagOptions(), json: { type: 'boolean' } },
      positionals: ['<flow-file>'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const flow = await loadFlow(positionals[0] ?? '');
    const resolved = resolveLocalConfig(flow, { config: configInput(flags) });
    if (flags['json'] === true) {
      console.log(JSON.stringify({ flow: flow.name, ...resolved }, null, 2));
      return 0;
    }
    console.log(`configuration of flow "${flow.name}" (config file: ${resolved.file ?? 'none'})`);
    for (const line of formatConfig(resolved)) console.log(line);
    return 0;
  },
};

/** Rows of key, value, source and the environment variable that would set it. */
function formatConfig(resolved: ResolvedConfig): string[] {
  const { values, sources } = resolved;
  const rows = [['key', 'value', 'source', 'environment']];
  for (const key of TOP_KEYS) rows.push([key, String(values[key]), sources[key] ?? 'default', envName(key)]);
  for (const [stage, settings] of Object.entries(values.stages)) {
    for (const leaf of STAGE_LEAF_NAMES) {
      const [first, second] = leaf.split('.') as [string, string | undefined];
      const holder = settings as Readonly<Record<string, unknown>>;
      const value = second === undefined ? holder[first] : (holder[first] as Readonly<Record<string, unknown>> | undefined)?.[second];
      if (value === undefined) continue;
      rows.push([`stages.${stage}.${leaf}`, JSON.stringify(value), sources[`stages.${stage}.${leaf}`] ?? 'default', stageEnvName(stage, leaf)]);
    }
  }
  return formatTable(rows);
}
