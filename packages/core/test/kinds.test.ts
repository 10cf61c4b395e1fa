import { expect } from 'chai';
import {
  defineStageKind,
  FlowDefinitionError,
  flow,
  sink,
  source,
  stageNode,
  stageRef,
  transform,
  type SinkRef,
  type StageRef,
} from '@sluice/core';
import { dropSink, idleSource } from './support.ts';

interface TapSpec {
  readonly seen: unknown[];
}

/** A toy kind defined outside the built-ins: one upstream, one output. */
const tapKind = defineStageKind<TapSpec>({
  name: 'tap',
  ports: () => 1,
  validate: (node) =>
    node.inputs.length === 1 ? [] : [new FlowDefinitionError(`tap "${node.name}" reads exactly one upstream`, node.name)],
});

function tap<T>(name: string, upstream: StageRef<T>, seen: unknown[]): StageRef<T> {
  return stageRef<T>(stageNode(tapKind, { name, inputs: [upstream.edge], spec: { seen } }));
}

describe('stage kinds', () => {
  it('builds built-in nodes with their descriptor and typed spec', () => {
    const nums = source('nums', idleSource<number>());
    const doubled = transform('double', nums, (n) => n * 2);
    const node = doubled.edge.from;
    expect(node.kind).to.equal('map');
    expect(node.type.name).to.equal('map');
    expect(nums.edge.from.type.source).to.equal(true);
  });

  it('takes a kind defined outside core into a flow, with its ports and validation', () => {
    const seen: unknown[] = [];
    const nums = source('nums', idleSource<number>());
    const f = flow('tapped', [sink('out', tap('tap', nums, seen), dropSink())]);
    const node = f.stages.find((s) => s.name === 'tap');
    expect(node?.kind).to.equal('tap');
    expect(node?.spec).to.deep.equal({ seen });
  });

  it("reports a kind's own validation error, naming the stage", () => {
    const a = source('a', idleSource<number>());
    const b = source('b', idleSource<number>());
    const bad = stageRef<number>(stageNode(tapKind, { name: 'two', inputs: [a.edge, b.edge], spec: { seen: [] } }));
    let thrown: unknown;
    try {
      flow('bad', [sink('out', bad, dropSink())]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(FlowDefinitionError);
    expect((thrown as FlowDefinitionError).message).to.match(/tap "two" reads exactly one upstream/);
    expect((thrown as FlowDefinitionError).stage).to.equal('two');
  });

  it('lets a kind be a source (no upstream) or a sink (no output port)', () => {
    const clock = defineStageKind<{ every: number }>({ name: 'ticker', source: true, ports: () => 1 });
    const drop = defineStageKind<null>({ name: 'drop', ports: () => 0 });
    const ticks = stageRef<number>(stageNode(clock, { name: 'ticks', inputs: [], spec: { every: 5 } }));
    const end: SinkRef = { sink: stageNode(drop, { name: 'end', inputs: [ticks.edge], spec: null }) };
    expect(flow('custom', [end]).stages.map((s) => s.name)).to.deep.equal(['ticks', 'end']);
    const after = stageRef<number>(end.sink);
    expect(() => flow('reads-sink', [sink('out', after, dropSink())])).to.throw(FlowDefinitionError, /reads sink "end"/);
  });

  it('refuses a kind name that is empty or has characters a stored definition cannot keep', () => {
    expect(() => defineStageKind({ name: '', ports: () => 1 })).to.throw(FlowDefinitionError, /kind name/);
    expect(() => defineStageKind({ name: 'a b', ports: () => 1 })).to.throw(FlowDefinitionError, /kind name/);
  });
});
