import { expect } from 'chai';
import {
  tumbling,
  window,
  FlowDefinitionError,
  first,
  flatMap,
  flow,
  join,
  merge,
  route,
  sink,
  source,
  stateful,
  transform,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

interface Order {
  readonly id: string;
  readonly qty: number;
}

describe('flow DSL', () => {
  it('collects the graph from the sinks in topological order', () => {
    const orders = source('orders', idleSource<Order>());
    const qty = transform('qty', orders, (o) => o.qty);
    const [big, small] = route('size', qty, (q) => (q > 10 ? 0 : 1), 2);
    const sum = stateful('sum', small, { init: () => 0, step: (s: number, q: number) => s + q });
    const f = flow('orders', [sink('big', big, dropSink()), sink('sum-out', sum, dropSink())]);
    const names = f.stages.map((s) => s.name);
    expect(names).to.have.members(['orders', 'qty', 'size', 'sum', 'big', 'sum-out']);
    expect(names.indexOf('orders')).to.be.lessThan(names.indexOf('qty'));
    expect(names.indexOf('size')).to.be.lessThan(names.indexOf('sum'));
    expect(names.indexOf('sum')).to.be.lessThan(names.indexOf('sum-out'));
  });

  it('supports fan-out and merge of one upstream', () => {
    const nums = source('nums', idleSource<number>());
    const a = transform('a', nums, (n) => n + 1);
    const b = flatMap('b', nums, (n) => [n, n]);
    const both = merge('both', [a, b]);
    const f = flow('fan', [sink('out', both, dropSink())]);
    expect(f.stages.find((s) => s.name === 'both')?.inputs.map((e) => e.from.name)).to.deep.equal(['a', 'b']);
  });

  it('refuses two stages with one name, naming it', () => {
    const nums = source('nums', idleSource<number>());
    const a = transform('dup', nums, (n) => n);
    const b = transform('dup', a, (n) => n);
    expect(() => flow('f', [sink('out', b, dropSink())]))
      .to.throw(FlowDefinitionError, /two stages are named "dup"/)
      .with.property('stage', 'dup');
  });

  it('refuses a route port nobody reads, naming the route', () => {
    const nums = source('nums', idleSource<number>());
    const [even] = route('parity', nums, (n) => n % 2, 2);
    expect(() => flow('f', [sink('out', even, dropSink())]))
      .to.throw(FlowDefinitionError, /port 1 of route "parity" is dangling/)
      .with.property('stage', 'parity');
  });

  it('refuses a window whose late lane nobody reads, naming the window (not a route)', () => {
    const nums = source('nums', idleSource<number>());
    const counts = window('w', nums, { windows: tumbling(1000), aggregate: { init: () => 0, add: (n: number) => n + 1 } });
    expect(() => flow('f', [sink('out', counts, dropSink())]))
      .to.throw(FlowDefinitionError, /port 1 of window "w" is dangling/)
      .with.property('stage', 'w');
  });

  it('refuses invalid stage names and route port counts', () => {
    expect(() => source('bad name', idleSource())).to.throw(FlowDefinitionError, /stage name "bad name" is invalid/);
    expect(() => source('$system', idleSource())).to.throw(FlowDefinitionError);
    const nums = source('nums', idleSource<number>());
    expect(() => route('one', nums, () => 0, 1)).to.throw(FlowDefinitionError, /route "one" needs 2-64 ports/);
  });

  it('refuses a join or first-of-N that reads the same upstream twice, naming it', () => {
    const nums = source('nums', idleSource<number>());
    expect(() => join('self', nums, nums, { leftKey: String, rightKey: String, combine: (a, b) => a + b }))
      .to.throw(FlowDefinitionError, /stage "self" reads the same upstream twice/);
    expect(() => first('dup-first', [nums, nums], String)).to.throw(FlowDefinitionError, /reads the same upstream twice/);
  });

  it('hashes the topology: equal for equal graphs, different when a stage is renamed', () => {
    const build = (middle: string): string => {
      const nums = source('nums', idleSource<number>());
      return flow('f', [sink('out', transform(middle, nums, (n) => n), dropSink())]).definitionHash;
    };
    expect(build('double')).to.equal(build('double'));
    expect(build('double')).not.to.equal(build('triple'));
  });
});
