import { flow, route, sink, source, stateful, transform } from '@sluice/core';
import { arraySource, consoleSink, jsonLinesSink, run } from '@sluice/adapters';

interface Order { id: string; customer: string; qty: number; unit: number }

const input: Order[] = [
  { id: 'a1', customer: 'acme', qty: 3, unit: 50 },
  { id: 'b2', customer: 'bolt', qty: 1, unit: 20 },
  { id: 'c3', customer: 'acme', qty: 0, unit: 99 },
];

const orders = source('orders', arraySource(input));
const checked = transform('check', orders, (o) => {
  if (o.qty <= 0) throw new Error(`order ${o.id}: qty must be positive`); // → error lane
  return { ...o, total: o.qty * o.unit };
});
const [big, small] = route('size', checked, (o) => (o.total > 100 ? 0 : 1), 2);
const totals = stateful('totals', small, { init: () => 0, step: (sum: number, o) => sum + o.total });

const summary = await run(
  flow('hello', [sink('alerts', big, consoleSink()), sink('report', totals, jsonLinesSink('out/totals.jsonl'))]),
  { dataDir: process.argv[2] ?? '.sluice/hello', logLevel: 'warn' },
);
console.log(summary.state, summary.stages['check']); // completed { …, in: 3, out: 2, errors: 1 }
