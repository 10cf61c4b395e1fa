import { expect } from 'chai';
import { flow, route, sink, source, stateful, transform, type StageRef } from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

// Compile-time checks: `pnpm typecheck` fails if any @ts-expect-error line stops being an error.
interface Order {
  readonly id: string;
  readonly qty: number;
}

const orders = source('orders', idleSource<Order>());
const ids = transform('ids', orders, (o) => o.id);

// @ts-expect-error a string stream cannot feed a handler that takes numbers
transform('bad-edge', ids, (n: number) => n + 1);

// @ts-expect-error a sink has no output to read
transform('after-sink', sink('s', ids, dropSink<string>()), (x: string) => x);

// @ts-expect-error a sink for numbers cannot take strings
sink('numbers-only', ids, dropSink<number>());

const [big] = route('size', orders, (o) => (o.qty > 10 ? 0 : 1), 2);
// @ts-expect-error route outputs carry the upstream type, not a number
transform('bad-route', big, (n: number) => n);

const total = stateful('total', orders, { init: () => 0, step: (sum: number, o) => sum + o.qty });
const totalRef: StageRef<number> = total;
// @ts-expect-error a stateful stage emits its state type by default
const wrongRef: StageRef<string> = total;

describe('DSL typing', () => {
  it('infers edge types (checked by tsc; this only keeps the file in the suite)', () => {
    expect(flow('typed', [sink('out', totalRef, dropSink<number>())]).stages).to.have.length(3);
    expect(wrongRef).to.equal(total);
  });
});
