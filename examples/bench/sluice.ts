import { createMemoryJournalStore, flow, sink, source, transform, type Flow, type JournalStore, type SourceHandler, type StageRef } from '@sluice/core';
import { LmdbJournalStore } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { step, type Payload } from './payload.ts';
import type { ScenarioContext } from './scenario.ts';

/**
 * The same flow written with the Sluice DSL: a source that hands out the records due by now,
 * `stages − 2` transforms and a sink that meters what it is given, run on the LMDB store
 * (durable, fsync per commit as by default) or on the in-memory store. Resolves with the
 * sink's mean records per batch, which shows how batches adapt to the load.
 */
export async function runSluice(ctx: ScenarioContext, storeKind: 'lmdb' | 'memory'): Promise<number> {
  const store: JournalStore = storeKind === 'lmdb' ? LmdbJournalStore.open({ path: ctx.path }) : createMemoryJournalStore();
  try {
    const summary = await run(benchFlow(ctx), { store, batchSize: ctx.spec.batch });
    if (summary.state !== 'completed') throw new Error(`the flow ended ${summary.state}`);
    const sink = summary.stages['sink'];
    return sink === undefined || sink.batches === 0 ? 0 : sink.in / sink.batches;
  } finally {
    await store.close();
  }
}

function benchFlow(ctx: ScenarioContext): Flow {
  const { pacer, meter } = ctx;
  const handler: SourceHandler<Payload, number> = {
    open: () => ({
      read: (max) => Promise.resolve({ values: pacer.take(max), position: pacer.produced, done: pacer.done }),
    }),
  };
  let last: StageRef<Payload> = source('source', handler);
  for (let i = 1; i <= ctx.spec.stages - 2; i++) last = transform(`t${String(i)}`, last, step);
  const metered = sink<Payload, number>('sink', last, {
    open: () => ({
      write: (values) => {
        for (const p of values) meter.observe(p);
        return meter.count;
      },
    }),
  });
  return flow('bench', [metered]);
}
