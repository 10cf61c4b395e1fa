import { expect } from 'chai';
import {
  count,
  dedupe,
  flow,
  FlowDefinitionError,
  groupBy,
  reduce,
  session,
  sink,
  source,
  topN,
  tumbling,
  type Aggregated,
  type Counted,
  type EmitPolicy,
  type KeyedSpec,
  type Ranking,
  type StageNode,
  type StageRef,
  type WindowedCount,
  type WindowedRef,
  type WindowedValue,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

interface Bid {
  readonly auction: number;
  readonly price: number;
}

const bids = (): StageRef<Bid> => source('bids', idleSource<Bid>());

/** Throws unless `build` throws a FlowDefinitionError naming `stage` whose message matches `pattern`. */
function refuses(build: () => unknown, stage: string, pattern: RegExp): void {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(FlowDefinitionError);
    expect((error as FlowDefinitionError).message).to.match(pattern);
    expect((error as Error).message).to.include(stage);
    return;
  }
  expect.fail('expected a FlowDefinitionError');
}

describe('keyed helpers (DSL)', () => {
  it('builds each helper as one keyed stage with the given name and options', () => {
    const stages: StageRef<unknown>[] = [
      count('clicks', bids(), (b) => b.auction, { emit: 'eof', batchSize: 7 }),
      reduce('max', bids(), (b) => b.auction, (a, b) => (b.price > a.price ? b : a)),
      groupBy('sum', bids(), (b) => b.auction).aggregate({ init: () => 0, add: (s, b) => s + b.price }, { emit: { every: 10 } }),
      dedupe('once', bids(), (b) => b.auction, { within: 1000, batchSize: 3 }),
    ];
    expect(stages.map((s) => [s.edge.from.name, s.edge.from.kind])).to.deep.equal([
      ['clicks', 'keyed'],
      ['max', 'keyed'],
      ['sum', 'keyed'],
      ['once', 'keyed'],
    ]);
    expect(stages[0]?.edge.from.options).to.deep.equal({ batchSize: 7 });
    expect(stages[3]?.edge.from.options).to.deep.equal({ batchSize: 3 });
  });

  it('builds topN as a count stage <name>.counts feeding the ranking stage', () => {
    const top = topN('top', bids(), (b) => b.auction, 3, { batchSize: 5 });
    const ranking = top.edge.from;
    const counts = ranking.inputs[0]?.from;
    expect([ranking.name, ranking.kind, counts?.name, counts?.kind]).to.deep.equal(['top', 'keyed', 'top.counts', 'keyed']);
    expect(counts?.options).to.deep.equal({ batchSize: 5 });
    expect(() => flow('f', [sink('out', top, dropSink())])).to.not.throw();
  });

  it('types what each helper emits', () => {
    const c: StageRef<Counted> = count('c', bids(), (b) => b.auction);
    const r: StageRef<Aggregated<Bid>> = reduce('r', bids(), (b) => b.auction, (a) => a);
    const g: StageRef<Aggregated<string>> = groupBy('g', bids(), (b) => b.auction).aggregate({
      init: () => 0,
      add: (s, b) => s + b.price,
      result: (s) => s.toFixed(2),
    });
    const t: StageRef<Ranking> = topN('t', bids(), (b) => b.auction, 1);
    const d: StageRef<Bid> = dedupe('d', bids(), (b) => b.auction, { within: 5 });
    expect([c, r, g, t, d]).to.have.length(5);
  });

  it('refuses a bad emit policy, n or within, naming the stage', () => {
    const bad = [{ every: 0 }, { every: 1.5 }, 'never', null] as unknown as EmitPolicy[];
    for (const emit of bad) refuses(() => count('clicks', bids(), (b) => b.auction, { emit }), 'clicks', /emit must be/);
    refuses(() => topN('top', bids(), (b) => b.auction, 0), 'top', /n must be/);
    refuses(() => dedupe('once', bids(), (b) => b.auction, { within: 0 }), 'once', /within must be/);
    refuses(() => dedupe('once', bids(), (b) => b.auction, { within: Number.NaN }), 'once', /within must be/);
    refuses(() => groupBy('g', bids(), (b) => b.auction).aggregate({ init: () => 0 } as never), 'g', /init and add/);
  });

  it('builds windowedBy aggregations as one window stage with a late lane', () => {
    const per = groupBy('per', bids(), (b) => b.auction).windowedBy(tumbling(10_000), { allowedLatenessMs: 500, batchSize: 9 });
    const counts: WindowedRef<WindowedCount, Bid> = per.count();
    const max: WindowedRef<WindowedValue<Bid>, Bid> = per.reduce((a, b) => (b.price > a.price ? b : a));
    const sums: WindowedRef<WindowedValue<number>, Bid> = per.aggregate({ init: () => 0, add: (s, b) => s + b.price });
    for (const ref of [counts, max, sums]) {
      expect([ref.edge.from.name, ref.edge.from.kind, ref.late.edge.port]).to.deep.equal(['per', 'window', 1]);
      expect(ref.edge.from.options).to.deep.equal({ batchSize: 9 });
    }
    refuses(() => groupBy('s', bids(), (b) => b.auction).windowedBy(session(1000)).aggregate({ init: () => 0, add: (n) => n + 1 }), 's', /merge/);
    expect(() => groupBy('s', bids(), (b) => b.auction).windowedBy(session(1000)).count()).to.not.throw();
  });

  it('keeps the keyed handler free of stored emit bookkeeping: a state is the accumulator and a count', () => {
    const node = count('c', bids(), (b) => b.auction).edge.from as StageNode<KeyedSpec>;
    const { handler } = node.spec;
    const first = handler.step(handler.init('1'), { auction: 1, price: 2 }, { seq: 1, kind: 'data', at: 0, payload: {} });
    expect(first).to.deep.equal({ v: 1, n: 1 });
    expect(handler.output?.(first, {}, '1')).to.deep.equal({ key: '1', count: 1 });
  });
});
