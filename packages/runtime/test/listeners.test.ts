import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, transform } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

/** The process warnings emitted while `work` runs (a warning comes a tick after its cause). */
async function warningsDuring(work: () => PromiseLike<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (warning: Error): void => void seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listen);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

describe('many calls at once listen on the stage signal without warnings', () => {
  it('50 concurrent handler calls with a deadline, each with an effect with a timeout: no MaxListenersExceededWarning', async () => {
    const store = createMemoryJournalStore();
    const values = Array.from({ length: 100 }, (_, i) => i);
    const call = transform(
      'call',
      source('in', items(values)),
      (n: number, _record, ctx) => ctx.effect('e', () => new Promise<number>((resolve) => setImmediate(() => resolve(n))), { timeoutMs: 60_000 }),
      { concurrency: 50, batchSize: 100, timeoutMs: 60_000 },
    );
    const out: number[] = [];
    const warnings = await warningsDuring(() => run(flow('listeners', [sink('out', call, collect(out))]), { store }));
    expect(out).to.deep.equal(values);
    expect(warnings).to.deep.equal([]);
  });
});
