import { expect } from 'chai';
import {
  createMemoryJournalStore,
  defineStageKind,
  FlowDefinitionError,
  flow,
  sink,
  source,
  stageNode,
  stageRef,
  transform,
  type JournalStore,
  type StageRef,
} from '@sluice/core';
import { registerStageProcessor, run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

// A kind defined here, outside the runtime: it counts the records it sees into a side array
// and passes them on. Nothing in the runtime names it; registering it is all it takes.
interface TapSpec {
  readonly seen: unknown[];
}

const tapKind = defineStageKind<TapSpec>({ name: 'test.tap', ports: () => 1 });

registerStageProcessor(tapKind, (node) => ({
  handle: (input, upstream, out) => {
    node.spec.seen.push(input.payload);
    out.emit(input.payload, { stage: upstream, seq: input.seq });
  },
  end: () => undefined,
  state: () => undefined,
  rollback: () => undefined,
  keepsState: false,
}));

function tap<T>(name: string, upstream: StageRef<T>, seen: unknown[]): StageRef<T> {
  return stageRef<T>(stageNode(tapKind, { name, inputs: [upstream.edge], spec: { seen } }));
}

describe('pluggable stage kinds', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('runs a kind registered from outside the runtime end to end', async () => {
    const seen: unknown[] = [];
    const out: number[] = [];
    const doubled = transform('double', source('nums', items([1, 2, 3, 4])), (n: number) => n * 2);
    const summary = await run(flow('tapped', [sink('out', tap('tap', doubled, seen), collect(out))]), { store });
    expect(summary.state).to.equal('completed');
    expect(seen).to.deep.equal([2, 4, 6, 8]);
    expect(out).to.deep.equal([2, 4, 6, 8]);
    expect(summary.stages['tap']?.in).to.equal(4);
  });

  it('refuses a stage whose kind has no runner before anything runs, naming the stage and kind', async () => {
    const unknown = defineStageKind<null>({ name: 'test.nowhere', ports: () => 1 });
    const nums = source('nums', items([1, 2, 3]));
    const lost = stageRef<number>(stageNode(unknown, { name: 'lost', inputs: [nums.edge], spec: null }));
    let thrown: unknown;
    try {
      await run(flow('unknown-kind', [sink('out', lost, collect([]))]), { store });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(FlowDefinitionError);
    expect((thrown as FlowDefinitionError).message).to.match(/stage "lost" is of kind "test\.nowhere", which has no runner/);
    expect((thrown as FlowDefinitionError).stage).to.equal('lost');
    expect(await store.journals()).to.deep.equal([]);
  });

  it('refuses a second, different runner for a kind name already taken', () => {
    expect(() => registerStageProcessor('map', () => { throw new Error('never built'); })).to.throw(FlowDefinitionError, /"map" already has a runner/);
  });
});
