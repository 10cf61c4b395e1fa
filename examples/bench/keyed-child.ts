/**
 * Runs one keyed scenario in this (child) process and sends its KeyedResult to the parent, so
 * that CPU time and peak RSS are that run's alone. Argument: the KeyedSpec as JSON.
 */
import { runKeyedScenario, type KeyedSpec } from './keyed-scenario.ts';

const spec = JSON.parse(process.argv[2] ?? '') as KeyedSpec;
runKeyedScenario(spec).then(
  (result) => {
    if (process.send === undefined) console.log(JSON.stringify(result));
    else process.send(result);
  },
  (error: unknown) => {
    console.error(`keyed scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
