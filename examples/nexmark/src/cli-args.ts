import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, type GeneratorConfig } from './generator/config.ts';
import { QUERIES, SUITE_QUERIES, findQuery, type NexmarkQuery } from './queries/index.ts';

/** The usage text of `pnpm nexmark`. */
export const HELP = `usage: pnpm nexmark --query Q --out DIR [--events N] [--rate R] [--seed S]

Generates NEXMark events into DIR/events.jsonl (or reuses the file when it was generated
with the same --events, --rate and --seed), then runs each query as a Sluice flow on LMDB
(fsync'd commits, data under DIR/.sluice/Q) and writes its rows to DIR/Q.jsonl.

  --query Q     a query (${QUERIES.map((q) => q.name).join(', ')}), a comma-separated list, or all
  --out DIR     where the events, the results and the flows' data go
  --events N    events to generate (default 1000000)
  --rate R      events per second of event time (default ${String(DEFAULT_CONFIG.rate)})
  --seed S      seed of the generator (default ${String(DEFAULT_CONFIG.seed)})
  --batch N     records per batch (default 1000)
  --help        this text`;

/** A mistake on the command line: printed with the usage hint, never with a stack. */
export class UsageError extends Error {}

/** What the command line asks for. */
export interface CliOptions {
  readonly help: boolean;
  readonly queries: readonly NexmarkQuery[];
  readonly out: string;
  readonly events: number;
  readonly config: GeneratorConfig;
  readonly batchSize?: number;
}

/** Parses the arguments of `pnpm nexmark`; paths are relative to where the command was typed. */
export function parseCli(argv: readonly string[], cwd: string): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      options: {
        query: { type: 'string' },
        out: { type: 'string' },
        events: { type: 'string', default: '1000000' },
        rate: { type: 'string', default: String(DEFAULT_CONFIG.rate) },
        seed: { type: 'string', default: String(DEFAULT_CONFIG.seed) },
        batch: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { help: true, queries: [], out: '', events: 0, config: DEFAULT_CONFIG };
  if (values.query === undefined) throw new UsageError('--query is required (a query name, a list, or all)');
  if (values.out === undefined) throw new UsageError('--out is required (the directory of events and results)');
  const batch = values.batch === undefined ? undefined : integer('--batch', values.batch, 1);
  return {
    help: false,
    queries: queriesOf(values.query),
    out: resolve(cwd, values.out),
    events: integer('--events', values.events, 1),
    config: { ...DEFAULT_CONFIG, rate: integer('--rate', values.rate, 1), seed: integer('--seed', values.seed, 0) },
    ...(batch === undefined ? {} : { batchSize: batch }),
  };
}

function queriesOf(value: string): NexmarkQuery[] {
  if (value === 'all') return [...QUERIES];
  return value.split(',').map((name) => {
    const query = findQuery(name.trim());
    if (query !== undefined) return query;
    const planned = (SUITE_QUERIES as readonly string[]).includes(name.trim());
    throw new UsageError(
      `${planned ? 'query not yet built' : 'unknown query'} "${name.trim()}" (available: ${QUERIES.map((q) => q.name).join(', ')}, all)`,
    );
  });
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${String(min)}, got "${value}"`);
  return n;
}
