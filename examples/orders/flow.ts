import { join } from 'node:path';
import { flow, route, sink, stateful, source, transform, type Flow } from '@sluice/core';
import { jsonLinesSink, jsonLinesSource } from '@sluice/adapters';
import { BIG_ORDER, priceOrder, validateOrder, type CustomerTotal, type RawOrder } from './orders.ts';

/** Builds the orders flow: parse → validate → price → route big/small → sinks and totals. */
export function ordersFlow(input: string, outDir: string): Flow {
  const orders = source('orders', jsonLinesSource<RawOrder>(input));
  const valid = transform('validate', orders, validateOrder);
  const priced = transform('price', valid, priceOrder);
  const [big, small] = route('size', priced, (o) => (o.total >= BIG_ORDER ? 0 : 1), 2);
  const totals = stateful('totals', small, {
    init: (): Record<string, { orders: number; total: number }> => ({}),
    step: (acc, o) => {
      const seen = acc[o.customer] ?? { orders: 0, total: 0 };
      acc[o.customer] = { orders: seen.orders + 1, total: Math.round((seen.total + o.total) * 100) / 100 };
      return acc;
    },
    onEof: (acc): CustomerTotal[] =>
      Object.entries(acc)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([customer, t]) => ({ customer, ...t })),
  });
  return flow('orders', [
    sink('big-orders', big, jsonLinesSink(join(outDir, 'big-orders.jsonl'))),
    sink('small-orders', small, jsonLinesSink(join(outDir, 'small-orders.jsonl'))),
    sink('customer-totals', totals, jsonLinesSink(join(outDir, 'customer-totals.jsonl'))),
  ]);
}
