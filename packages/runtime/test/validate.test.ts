import { expect } from 'chai';
import { z } from 'zod';
import {
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  validate,
  type ErrorPayload,
  type JournalStore,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

const Order = z.object({
  id: z.string(),
  qty: z.coerce.number().int().positive(),
  lines: z.array(z.object({ sku: z.string() })).default([]),
  placed: z.string().transform((s) => Date.parse(s)),
});
type Order = z.output<typeof Order>;

/** The error-lane payloads of a stage's journal. */
async function errors(store: JournalStore, stage: string): Promise<ErrorPayload[]> {
  const records = await store.read(stage, 0, 1000);
  return records.filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
}

describe('validate (zod)', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it("emits the schema's output (coerced, defaulted, transformed) and sends invalid records to the error lane with their issues", async () => {
    const inputs: unknown[] = [
      { id: 'a', qty: '2', placed: '2026-01-01T00:00:00Z' },
      { id: 'b', qty: -1, lines: [{ sku: 'x' }, { sku: 7 }], placed: '2026-01-02T00:00:00Z' },
      'not an object',
      { id: 'c', qty: 1, lines: [{ sku: 's' }], placed: '2026-01-03T00:00:00Z' },
    ];
    const out: Order[] = [];
    const orders = validate('orders', source('raw', items(inputs)), Order);
    const summary = await run(flow('v', [sink('out', orders, collect(out))]), { store });
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([
      { id: 'a', qty: 2, lines: [], placed: Date.parse('2026-01-01T00:00:00Z') },
      { id: 'c', qty: 1, lines: [{ sku: 's' }], placed: Date.parse('2026-01-03T00:00:00Z') },
    ]);

    const [b, root, ...rest] = await errors(store, 'orders');
    expect(rest).to.deep.equal([]);
    expect(b?.code).to.equal('MALFORMED_INPUT');
    expect(b?.stage).to.equal('orders');
    expect(b?.input).to.deep.equal(inputs[1]);
    expect(b?.issues?.map((i) => i.path)).to.deep.equal([['qty'], ['lines', 1, 'sku']]);
    expect(b?.message).to.match(/^invalid record: qty: .+; lines\[1\]\.sku: .+$/);
    expect(b?.message).to.include(`lines[1].sku: ${b?.issues?.[1]?.message ?? '?'}`);
    expect(root?.issues?.map((i) => i.path)).to.deep.equal([[]]);
    expect(root?.message).to.match(/^invalid record: \(root\): /);
    const records = await store.read('orders', 0, 10);
    expect(records.filter((r) => r.kind === 'error').map((r) => r.cause)).to.deep.equal([
      { stage: 'raw', seq: 2 },
      { stage: 'raw', seq: 3 },
    ]);
  });

  it('works with an async schema (an async refinement), keeping input order', async () => {
    const known = new Set(['a', 'c']);
    const Known = z.object({ id: z.string() }).refine(
      async (o) => {
        await new Promise((resolve) => setImmediate(resolve));
        return known.has(o.id);
      },
      { message: 'unknown id', path: ['id'] },
    );
    const out: string[] = [];
    const ok = validate('known', source('raw', items([{ id: 'a' }, { id: 'b' }, { id: 'c' }])), Known);
    const ids = transform('ids', ok, (o) => o.id);
    await run(flow('async', [sink('out', ids, collect(out))]), { store });
    expect(out).to.deep.equal(['a', 'c']);
    const [bad] = await errors(store, 'known');
    expect(bad?.message).to.equal('invalid record: id: unknown id');
    expect(bad?.issues).to.deep.equal([{ message: 'unknown id', path: ['id'] }]);
  });

  it('is not retried: a rejected record is terminal even under a retry policy', async () => {
    let calls = 0;
    const Counted = z.custom<number>((v) => {
      calls++;
      return typeof v === 'number';
    }, 'not a number');
    const out: number[] = [];
    const nums = validate('nums', source('raw', items<unknown>([1, 'x'])), Counted, { retry: { maxAttempts: 5, backoffMs: 1 } });
    await run(flow('retry', [sink('out', nums, collect(out))]), { store });
    expect(out).to.deep.equal([1]);
    expect(calls).to.equal(2);
    expect((await errors(store, 'nums')).map((e) => e.message)).to.deep.equal(['invalid record: (root): not a number']);
  });
});
