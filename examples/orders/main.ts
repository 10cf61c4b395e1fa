/**
 * The orders demo: generates 100,000 orders (some malformed, some invalid) and runs them
 * through a durable flow on LMDB, then prints what each stage did.
 *
 *   pnpm demo                 fresh run on 100,000 orders
 *   pnpm demo -- --count 1e6  more orders
 *   node --import tsx --conditions=development main.ts --data-dir d   resume an interrupted run
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LmdbJournalStore, run } from '@sluice/adapters';
import { ordersFlow } from './flow.ts';
import { generateOrders } from './generate.ts';
import { printSummary } from './summary.ts';

const HELP = `usage: main.ts [--data-dir DIR] [--count N] [--fresh] [--log-level LEVEL]

Runs the orders demo flow on LMDB. Without --fresh, an interrupted run in DIR resumes.
  --data-dir DIR     flow data directory (default .sluice/orders-demo)
  --count N          orders to generate when DIR has no input (default 100000)
  --fresh            delete DIR first
  --log-level LEVEL  pino level (default warn)
  --help             this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.sluice/orders-demo' },
      count: { type: 'string', default: '100000' },
      fresh: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'warn' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got "${values.count}"`);
  const dataDir = resolve(values['data-dir']);
  if (values.fresh) await rm(dataDir, { recursive: true, force: true });
  const input = join(dataDir, 'input', 'orders.jsonl');
  if (!existsSync(input)) {
    const generated = await generateOrders(input, count);
    console.log(`generated ${String(generated.lines)} orders in ${input} ` +
      `(${String(generated.malformed.length)} malformed, ${String(generated.invalid.length)} invalid)`);
  }
  const store = LmdbJournalStore.open({ path: join(dataDir, 'journal') });
  try {
    const flow = ordersFlow(input, join(dataDir, 'out'));
    const summary = await run(flow, { store, logLevel: values['log-level'] });
    await printSummary(flow, store, summary, join(dataDir, 'out'));
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(`orders demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
