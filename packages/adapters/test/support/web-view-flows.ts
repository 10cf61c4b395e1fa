import { flow, merge, route, sink, source, transform, type Flow, type JournalStore } from '@sluice/core';
import { controlledSource, gatedSink, type ControlledSource, type GatedSink } from './ops-flows.ts';

/** An order the browser tests feed. */
export interface Order {
  readonly id: string;
  readonly qty: number;
}

/** An order once priced. */
export interface Priced extends Order {
  readonly total: number;
}

/** The 8-stage flow of the live tests, with its source and sink to drive and watch. */
export interface OrdersFlow {
  readonly flow: Flow;
  readonly feed: ControlledSource<Order>;
  readonly out: GatedSink<Priced>;
}

/**
 * feed → parse (a negative qty goes to the error lane) → priced → split (by size) → big | small
 * → all (merge) → out: eight stages of five kinds, running until the feed ends.
 */
export function ordersFlow(): OrdersFlow {
  const feed = controlledSource<Order>();
  const out = gatedSink<Priced>();
  const parse = transform('parse', source('feed', feed.handler), (o: Order) => {
    if (o.qty < 0) throw new Error(`order ${o.id}: qty ${o.qty} is negative`);
    return o;
  });
  const priced = transform('priced', parse, (o) => ({ ...o, total: o.qty * 3 }));
  const [bigIn, smallIn] = route('split', priced, (o) => (o.qty >= 5 ? 0 : 1), 2);
  const big = transform('big', bigIn, (o) => ({ ...o, total: o.total - 1 }));
  const small = transform('small', smallIn, (o) => o);
  const all = merge('all', [big, small]);
  return { flow: flow('orders', [sink('out', all, out.handler)]), feed, out };
}

/** `count` orders A-1…A-count; every fourth has a negative qty. */
export function orders(count: number, from = 1): Order[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { id: `A-${n}`, qty: n % 4 === 0 ? -n : n % 9 };
  });
}

/** A flow of exactly `branches × depth + 1` stages: one source fanning out to chains of transforms, each ending in a sink. */
export function wideFlow(branches: number, depth: number): { flow: Flow; feed: ControlledSource<number> } {
  const feed = controlledSource<number>();
  const root = source('feed', feed.handler);
  const sinks = Array.from({ length: branches }, (_, b) => {
    let upstream = root;
    for (let d = 1; d < depth; d += 1) upstream = transform(`b${b}-step${d}`, upstream, (n: number) => n + 1);
    return sink(`b${b}-out`, upstream, { open: () => ({ write: (values) => Promise.resolve(values.length) }) });
  });
  return { flow: flow('wide', sinks), feed };
}

/** Data and error records of `journal` written at or before `t`, read from the store. */
export async function journalCountsAt(
  store: JournalStore,
  journal: string,
  t: number,
): Promise<{ data: number; error: number }> {
  const counts = { data: 0, error: 0 };
  for (let after = 0; ; ) {
    const page = await store.read(journal, after, 1000);
    const last = page.at(-1);
    if (last === undefined) return counts;
    for (const r of page) {
      if (r.at > t) return counts;
      if (r.kind === 'data') counts.data += 1;
      else if (r.kind === 'error') counts.error += 1;
    }
    after = last.seq;
  }
}
