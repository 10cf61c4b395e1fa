/**
 * One query of `pnpm bench --nexmark`, run in its own process by examples/bench: measures the
 * query (see measureQuery) and sends the result to the parent, or prints it as JSON when run
 * alone. Argument: the NexmarkBenchSpec as JSON.
 */
import { measureQuery, type NexmarkBenchSpec } from './bench-measure.ts';

const spec = JSON.parse(process.argv[2] ?? '') as NexmarkBenchSpec;
measureQuery(spec).then(
  (result) => {
    if (process.send === undefined) console.log(JSON.stringify(result));
    else process.send(result);
  },
  (error: unknown) => {
    console.error(`nexmark bench ${spec.query} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
