import { expect } from 'chai';
import { filter, first, flatMap, flow, join, merge, route, sink, source, stateful, transform } from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

// A stored data directory records its flow's definition hash; a change of how it is computed
// would refuse every existing data directory. This pins it for a flow using every built-in kind.
describe('definition hash', () => {
  it('stays what it was for a flow of every built-in kind', () => {
    const a = source('a', idleSource<number>());
    const b = source('b', idleSource<number>());
    const t = transform('t', a, (n) => n + 1);
    const fm = flatMap('fm', b, (n) => [n]);
    const f1 = filter('f1', t, (n) => n > 0);
    const [r0, r1] = route('r', f1, (n) => n % 2, 2);
    const m = merge('m', [r0, fm]);
    const st = stateful('st', r1, { init: () => 0, step: (s: number, n: number) => s + n });
    const j = join('j', m, st, { leftKey: (x) => x, rightKey: (y) => y, combine: (x, y) => x + y });
    const fi = first('fi', [j, m], (x) => x);
    expect(flow('pinned', [sink('out', fi, dropSink())]).definitionHash).to.equal('052cb9dae23140c0');
  });
});
