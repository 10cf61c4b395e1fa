import { expect } from 'chai';
import { first, flow, join, route, sink, source, stateful, transform, type StageRef } from '@sluice/core';
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

// Joins: each side's key function takes that side's type; combine gets both.
const customers = source('customers', idleSource<{ readonly name: string }>());
const joined = join('by-name', orders, customers, {
  leftKey: (o) => o.id,
  rightKey: (c) => c.name,
  combine: (o, c) => ({ id: o.id, customer: c.name }),
});
const joinedRef: StageRef<{ id: string; customer: string }> = joined;
// @ts-expect-error the right key function gets the right side's type, which has no qty
join('bad-join', orders, customers, { leftKey: (o) => o.id, rightKey: (c) => c.qty, combine: () => 1 }); // eslint-disable-line @typescript-eslint/no-unsafe-return
// @ts-expect-error first-of-N takes upstreams of one type
first('bad-first', [orders, ids], (x) => String(x)); // eslint-disable-line @typescript-eslint/no-base-to-string

describe('join typing', () => {
  it('types the joined output (checked by tsc)', () => {
    expect(joinedRef).to.equal(joined);
  });
});
