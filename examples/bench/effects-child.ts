/**
 * Runs one effects scenario in this (child) process and sends its EffectsResult to the
 * parent, so that CPU time and peak RSS are that run's alone. Argument: the EffectsSpec as JSON.
 */
import type { EffectsSpec } from './effects-scenario.ts';
import { runEffectsScenario } from './effects-run.ts';

const spec = JSON.parse(process.argv[2] ?? '') as EffectsSpec;
runEffectsScenario(spec).then(
  (result) => {
    if (process.send === undefined) console.log(JSON.stringify(result));
    else process.send(result);
  },
  (error: unknown) => {
    console.error(`effects scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
