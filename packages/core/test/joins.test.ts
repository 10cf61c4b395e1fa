import { expect } from 'chai';
import {
  flow,
  FlowDefinitionError,
  lookup,
  lookupKind,
  sink,
  source,
  stageNode,
  streamJoin,
  streamJoinKind,
  transform,
  windowJoin,
  windowJoinKind,
  type StageRef,
  type StageType,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

interface Row {
  readonly k: string;
}

const same = { leftKey: (r: Row) => r.k, rightKey: (r: Row) => r.k, combine: (l: Row) => l };

describe('join kinds: definition', () => {
  it('builds nodes of their kinds, inputs in the order given (stream then reference; left then right)', () => {
    const a = source('a', idleSource<Row>());
    const b = source('b', idleSource<Row>());
    const looked = lookup('l', a, b, { key: (r) => r.k, referenceKey: (r) => r.k, combine: (r) => r });
    expect(looked.edge.from.kind).to.equal('lookup');
    expect(looked.edge.from.inputs.map((e) => e.from.name)).to.deep.equal(['a', 'b']);
    expect(streamJoin('s', a, b, same).edge.from.kind).to.equal('stream-join');
    const w = windowJoin('w', a, b, { ...same, windowMs: 1000 });
    expect(w.edge).to.include({ port: 0 });
    expect(w.late.edge).to.include({ port: 1 });
    // A whole flow with every output read is valid.
    expect(() => flow('ok', [sink('o1', looked, dropSink()), sink('o2', w, dropSink()), sink('o3', w.late, dropSink())])).to.not.throw();
  });

  it('refuses the same upstream twice, naming the stage', () => {
    const a = source('a', idleSource<Row>());
    expect(() => lookup('l', a, a, { key: (r) => r.k, referenceKey: (r) => r.k, combine: (r) => r })).to.throw(FlowDefinitionError, /stage "l" reads the same upstream twice/);
    expect(() => streamJoin('s', a, a, same)).to.throw(FlowDefinitionError, /stage "s" reads the same upstream twice/);
    expect(() => windowJoin('w', a, a, { ...same, windowMs: 10 })).to.throw(FlowDefinitionError, /stage "w" reads the same upstream twice/);
  });

  it('refuses a wrong input count in a node built by hand, naming the stage', () => {
    const a = source('a', idleSource<Row>());
    for (const kind of [lookupKind, streamJoinKind, windowJoinKind] as readonly StageType<never>[]) {
      const node = stageNode(kind, { name: `one-${kind.name}`, inputs: [a.edge], spec: {} as never });
      const ref: StageRef<unknown> = { edge: { from: node } };
      const [error] = kind.validate?.(node) ?? [];
      expect(error?.message).to.equal(`${kind.name} "one-${kind.name}" reads 2 upstream(s), got 1`);
      expect(() => flow('bad', [sink('out', ref, dropSink())])).to.throw(FlowDefinitionError, new RegExp(`one-${kind.name}`));
    }
  });

  it('refuses missing functions, a bad mode or a bad window, naming the stage', () => {
    const a = source('a', idleSource<Row>());
    const b = transform('b', a, (r) => r);
    expect(() => lookup('l', a, b, { key: (r: Row) => r.k, combine: (r: Row) => r } as never)).to.throw(FlowDefinitionError, /lookup "l" needs key, referenceKey and combine/);
    expect(() => lookup('m', a, b, { mode: 'full' as 'inner', key: (r: Row) => r.k, referenceKey: (r: Row) => r.k, combine: (r: Row) => r })).to.throw(FlowDefinitionError, /lookup "m": mode must be inner, left or strict/);
    expect(() => streamJoin('s', a, b, { leftKey: (r: Row) => r.k } as never)).to.throw(FlowDefinitionError, /stream join "s" needs/);
    for (const within of [-1, 0.5, Number.POSITIVE_INFINITY]) {
      expect(() => streamJoin('s', a, b, { ...same, within })).to.throw(FlowDefinitionError, /stream join "s": within must be/);
    }
    for (const windowMs of [0, -5, 1.5, Number.NaN]) {
      expect(() => windowJoin('w', a, b, { ...same, windowMs })).to.throw(FlowDefinitionError, /window join "w": windowMs/);
    }
  });

  it('types a left lookup\'s row as possibly undefined', () => {
    const a = source('a', idleSource<Row>());
    const b = source('b', idleSource<{ k: string; n: number }>());
    const out: StageRef<number> = lookup('l', a, b, { mode: 'left', key: (r) => r.k, referenceKey: (r) => r.k, combine: (_r, row) => row?.n ?? 0 });
    expect(out.edge.from.name).to.equal('l');
  });
});
