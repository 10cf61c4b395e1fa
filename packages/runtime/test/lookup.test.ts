import { expect } from 'chai';
import { createMemoryJournalStore, flow, FlowDefinitionError, lookup, sink, source, transform, type ErrorPayload } from '@sluice/core';
import { run, SYSTEM_JOURNAL } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Order {
  readonly id: number;
  readonly sku: string;
}
interface Product {
  readonly sku: string;
  readonly price: number;
}

const orders: Order[] = [
  { id: 1, sku: 'a' },
  { id: 2, sku: 'x' },
  { id: 3, sku: 'b' },
  { id: 4, sku: 'a' },
];
// 'a' twice: the last row wins.
const products: Product[] = [
  { sku: 'a', price: 1 },
  { sku: 'b', price: 2 },
  { sku: 'a', price: 10 },
];

async function errorsOf(store: ReturnType<typeof createMemoryJournalStore>, stage: string): Promise<ErrorPayload[]> {
  return (await store.read(stage, 0, 1000)).filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);
}

describe('lookup (reference join)', () => {
  it('inner: enriches matched records with the last row of their key, drops the rest', async () => {
    const store = createMemoryJournalStore();
    const out: unknown[] = [];
    const priced = lookup('price', source('orders', items(orders)), source('products', items(products), { batchSize: 2 }), {
      key: (o) => o.sku,
      referenceKey: (p) => p.sku,
      combine: (o, p) => ({ id: o.id, price: p.price }),
    }, { batchSize: 2 });
    await run(flow('lookup', [sink('out', priced, collect(out))]), { store });
    expect(out).to.deep.equal([{ id: 1, price: 10 }, { id: 3, price: 2 }, { id: 4, price: 10 }]);
    expect(await store.countKeyed('price')).to.equal(2);
  });

  it('left: combines an unmatched record with undefined', async () => {
    const out: unknown[] = [];
    const priced = lookup('price', source('orders', items(orders)), source('products', items(products)), {
      mode: 'left',
      key: (o) => o.sku,
      referenceKey: (p) => p.sku,
      combine: (o, p) => ({ id: o.id, price: p?.price ?? null }),
    });
    await run(flow('lookup', [sink('out', priced, collect(out))]), { store: createMemoryJournalStore() });
    expect(out).to.deep.equal([{ id: 1, price: 10 }, { id: 2, price: null }, { id: 3, price: 2 }, { id: 4, price: 10 }]);
  });

  it('strict: an unmatched record goes to the error lane naming the stage and the key', async () => {
    const store = createMemoryJournalStore();
    const out: unknown[] = [];
    const priced = lookup('price', source('orders', items(orders)), source('products', items(products)), {
      mode: 'strict',
      key: (o) => o.sku,
      referenceKey: (p) => p.sku,
      combine: (o, p) => ({ id: o.id, price: p.price }),
    });
    const summary = await run(flow('lookup', [sink('out', priced, collect(out))]), { store });
    expect(out).to.have.length(3);
    expect(summary.stages['price']?.errors).to.equal(1);
    const [error] = await errorsOf(store, 'price');
    expect(error?.message).to.equal('lookup "price": no reference row for key "x"');
    expect(error?.code).to.equal('MALFORMED_INPUT');
    expect(error?.input).to.deep.equal({ id: 2, sku: 'x' });
  });

  it('reads no stream record before the reference has ended, whichever arrives first', async () => {
    const store = createMemoryJournalStore();
    const rows: Product[] = [];
    let ended = false;
    const reference = live(() => rows.splice(0), () => ended);
    const out: { id: number; price: number }[] = [];
    const priced = lookup('price', source('orders', items(orders)), source('products', reference), {
      key: (o) => o.sku,
      referenceKey: (p) => p.sku,
      combine: (o, p) => ({ id: o.id, price: p.price }),
    });
    const handle = run(flow('lookup', [sink('out', priced, collect(out))]), { store });
    // The whole stream is journaled while the reference is still loading.
    while ((await store.lastSeq('orders')) < orders.length + 1) await new Promise((resolve) => setImmediate(resolve));
    rows.push({ sku: 'a', price: 1 });
    while ((await store.countKeyed('price')) < 1) await new Promise((resolve) => setImmediate(resolve));
    const enriched = (await store.read('price', 0, 100)).filter((r) => r.kind === 'data');
    expect(enriched, 'nothing enriched while loading').to.deep.equal([]);
    rows.push({ sku: 'b', price: 2 }, { sku: 'x', price: 3 });
    ended = true;
    await handle.done;
    expect(out).to.deep.equal([{ id: 1, price: 1 }, { id: 2, price: 3 }, { id: 3, price: 2 }, { id: 4, price: 1 }]);
    const notices = (await store.read(SYSTEM_JOURNAL, 0, 1000)).map((r) => r.payload as { type?: string; kind?: string; details?: unknown });
    expect(notices.some((n) => JSON.stringify(n).includes('lookup.loaded')), 'the load is in the activity log').to.equal(true);
  });

  it('resumes after a stop mid-load and mid-stream: every record enriched once', async () => {
    const store = createMemoryJournalStore();
    const many = Array.from({ length: 50 }, (_, i) => ({ sku: `k${String(i % 10)}`, price: i }));
    const stream = Array.from({ length: 40 }, (_, i) => ({ id: i, sku: `k${String(i % 12)}` }));
    // The test lets the sources go this far: the reference first stops mid-way.
    const open = { rows: 20, orders: 25 };
    let r = 0;
    let s = 0;
    const rows = live(() => (r < Math.min(open.rows, many.length) ? [many[r++] as Product] : []), () => r >= many.length);
    const ords = live(() => (s < Math.min(open.orders, stream.length) ? [stream[s++] as Order] : []), () => s >= stream.length);
    const make = (into: unknown[]) =>
      flow('lookup', [
        sink('out', lookup('price', source('orders', ords), source('products', rows), {
          mode: 'left',
          key: (o) => o.sku,
          referenceKey: (p) => p.sku,
          combine: (o, p) => ({ id: o.id, price: p?.price ?? null }),
        }, { batchSize: 3 }), collect(into)),
      ]);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const first: unknown[] = [];
    const handle = run(make(first), { store });
    while ((await store.cursor('price', 'products')) < 20) await tick();
    await handle.stop('graceful');
    expect(first, 'nothing enriched mid-load').to.deep.equal([]);
    open.rows = 50;
    const second: unknown[] = [];
    const again = run(make(second), { store });
    while (second.length < 10) await tick();
    await again.stop('graceful');
    open.orders = 40;
    const third: unknown[] = [];
    await run(make(third), { store });
    expect(third.length, 'the third run enriched the rest').to.equal(15);
    const expected = stream.map((o) => ({ id: o.id, price: many.filter((p) => p.sku === o.sku).at(-1)?.price ?? null }));
    expect([...first, ...second, ...third]).to.deep.equal(expected);
  });

  it('fails at definition for the same upstream twice, naming the stage', () => {
    const one = source('one', items(orders));
    expect(() => lookup('twice', one, one, { key: (o) => o.sku, referenceKey: (p) => p.sku, combine: (o) => o })).to.throw(FlowDefinitionError, /"twice" reads the same upstream twice/);
    const other = transform('other', one, (o) => o);
    expect(() => lookup('bad', one, other, { mode: 'outer' as 'inner', key: (o) => o.sku, referenceKey: (p) => p.sku, combine: (o: Order) => o })).to.throw(FlowDefinitionError, /lookup "bad": mode/);
  });
});
