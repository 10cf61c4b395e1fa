/**
 * `pnpm nexmark`: generates (or reuses) a NEXMark events file and runs queries over it as
 * Sluice flows on LMDB, printing a summary line per query. See `--help`.
 *
 *   pnpm nexmark --events 1000000 --query q0 --out /tmp/nexmark
 *   pnpm nexmark --events 100000 --query all --out /tmp/nexmark --rate 50000
 */
import { ensureEventsFile } from './events-file.ts';
import { HELP, UsageError, parseCli } from './cli-args.ts';
import { runQuery } from './run-query.ts';

const number = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Progress lines off a terminal (a log, CI) at most this often, so a long run still shows it is alive. */
const LOG_PROGRESS_MS = 10_000;
let lastLogged = Date.now();

/** Prints a progress line: on a terminal the next one replaces it; elsewhere one every 10 s. */
function progress(line: string): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`\r${line}\x1b[K`);
  } else if (line !== '' && Date.now() - lastLogged >= LOG_PROGRESS_MS) {
    lastLogged = Date.now();
    console.log(line);
  }
}

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2), process.env['INIT_CWD'] ?? process.cwd());
  if (options.help) {
    console.log(HELP);
    return;
  }
  const { events, config, out } = options;
  const started = Date.now();
  const file = await ensureEventsFile(out, events, config, (n) => progress(`generating events: ${number(n)} of ${number(events)}`));
  progress('');
  const how = file.reused ? 'reused' : `generated in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  console.log(`events: ${number(events)} (${(file.bytes / 1e6).toFixed(1)} MB, rate ${number(config.rate)}/s, seed ${String(config.seed)}) ${how}: ${file.path}`);
  for (const query of options.queries) {
    const result = await runQuery(query, {
      events: file.path,
      outDir: out,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      progress: (read) => progress(`${query.name}: ${number(read)} of ${number(events)} events read`),
    });
    progress('');
    console.log(
      `${query.name} (${query.title}): ${number(result.events)} events → ${number(result.rows)} rows in ` +
        `${(result.elapsedMs / 1000).toFixed(1)} s, ${number(result.eventsPerSec)} events/s → ${result.out}`,
    );
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`nexmark: ${message}${error instanceof UsageError ? ' (see --help)' : ''}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
