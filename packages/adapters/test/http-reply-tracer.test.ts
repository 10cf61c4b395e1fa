import { expect } from 'chai';
import { FlowDefinitionError, SimulatedClock, createMemoryJournalStore, type Envelope, type JournalStore } from '@sluice/core';
import type { StoredDefinition } from '@sluice/runtime';
import { LineageTracer } from '../src/io/http-source/lineage-tracer.ts';
import { replyGraph } from '../src/io/http-source/reply-graph.ts';
import { ReplyWaits } from '../src/io/http-source/reply-waits.ts';

/** in → split (a route: port 0 to `other`, port 1 to `double`) → double → out; `other` → `side`. */
const definition: StoredDefinition = {
  name: 'traced',
  definitionHash: '0',
  stages: ['in', 'split', 'other', 'double', 'side', 'out'],
  topology: [
    { name: 'in', kind: 'source', inputs: [] },
    { name: 'split', kind: 'route', inputs: ['in'] },
    { name: 'other', kind: 'map', inputs: ['split#0'] },
    { name: 'double', kind: 'flatMap', inputs: ['split#1'] },
    { name: 'side', kind: 'sink', inputs: ['other'] },
    { name: 'out', kind: 'sink', inputs: ['double'] },
  ],
};

const data = (payload: unknown, stage: string, seq: number, port?: number): Envelope => ({
  kind: 'data',
  at: 0,
  payload,
  cause: { stage, seq },
  ...(port === undefined ? {} : { port }),
});

describe('reply lineage', () => {
  let store: JournalStore;

  beforeEach(() => {
    store = createMemoryJournalStore();
  });

  async function append(stage: string, records: readonly Envelope[], cursors: Record<string, number> = {}): Promise<void> {
    await store.commit({ stage, records, cursors });
  }

  it('keeps the stages between the source and the sink, with their cursor keys', () => {
    const graph = replyGraph(definition, 'in', 'out');
    expect(graph.journals).to.deep.equal(['in', 'split', 'double', 'out']);
    expect(graph.edges.map((e) => `${e.from}>${e.to}@${e.key}`)).to.deep.equal(['in>split@in', 'split>double@split#1', 'double>out@double']);
  });

  it('refuses a reply stage that is not a sink of the source, naming it', () => {
    const refusal = (sink: string): FlowDefinitionError => {
      try {
        replyGraph(definition, 'in', sink);
      } catch (error) {
        if (error instanceof FlowDefinitionError) return error;
      }
      throw new Error(`no refusal for ${sink}`);
    };
    expect(refusal('split').message).to.contain('"split", which is not a sink');
    expect(refusal('split').stage).to.equal('split');
    expect(refusal('nope').message).to.contain('"nope", which is not in the flow');
    const other: StoredDefinition = { ...definition, topology: [...definition.topology, { name: 'alone', kind: 'source', inputs: [] }, { name: 'far', kind: 'sink', inputs: ['alone'] }] };
    expect(() => replyGraph(other, 'in', 'far')).to.throw(FlowDefinitionError, 'does not read from "in"');
  });

  it('is done once the sink has passed every descendant, reading each journal only as far as its causes', async () => {
    // One record a read: `double` cites split#2 while `split` has been read to 1 only.
    const tracer = new LineageTracer(store, replyGraph(definition, 'in', 'out'), { maxRoots: 100, chunk: 1 });
    await append('in', [{ kind: 'data', at: 0, payload: { n: 1 } }, { kind: 'data', at: 0, payload: { n: 2 } }]);
    await tracer.refresh();
    expect(tracer.outcome(1, 1)).to.deep.equal({ state: 'pending' });
    // Root 1 goes to port 0 (away from the sink), root 2 to port 1 (on the way), made two.
    await append('split', [data({ n: 1 }, 'in', 1, 0), data({ n: 2 }, 'in', 2, 1)], { in: 2 });
    await append('double', [data('2a', 'split', 2), data('2b', 'split', 2)], { 'split#1': 2 });
    await append('out', [], { double: 1 });
    await tracer.refresh();
    expect(tracer.outcome(2, 2)).to.deep.equal({ state: 'pending' });
    // Nothing descends from root 1 on the way to the sink: done with no results.
    expect(tracer.outcome(1, 1)).to.deep.equal({ state: 'done', results: [], failures: [] });
    await append('out', [], { double: 2 });
    await tracer.refresh();
    expect(tracer.outcome(1, 2)).to.deep.equal({ state: 'done', results: ['2a', '2b'], failures: [] });
  });

  it('takes as results only the records of the route port the sink reads', async () => {
    const direct: StoredDefinition = { ...definition, topology: [...definition.topology, { name: 'direct', kind: 'sink', inputs: ['split#1'] }] };
    const tracer = new LineageTracer(store, replyGraph(direct, 'in', 'direct'), { maxRoots: 100 });
    await append('in', [{ kind: 'data', at: 0, payload: 1 }]);
    await append('split', [data('away', 'in', 1, 0), data('here', 'in', 1, 1)], { in: 1 });
    await append('direct', [], { 'split#1': 2 });
    await tracer.refresh();
    expect(tracer.outcome(1, 1)).to.deep.equal({ state: 'done', results: ['here'], failures: [] });
  });

  it('traces what arrives after a refresh pruned the roots it no longer needs', async () => {
    const tracer = new LineageTracer(store, replyGraph(definition, 'in', 'out'), { maxRoots: 100, chunk: 1 });
    for (let round = 1; round <= 3; round++) {
      await append('in', [{ kind: 'data', at: 0, payload: round }]);
      await append('split', [data(round, 'in', round, 1)], { in: round });
      await append('double', [data(round * 2, 'split', round)], { 'split#1': round });
      await append('out', [], { double: round });
      await tracer.refresh();
      expect(tracer.outcome(round, round)).to.deep.equal({ state: 'done', results: [round * 2], failures: [] });
    }
    expect(tracer.outcome(1, 3)).to.deep.equal({ state: 'done', results: [2, 4, 6], failures: [] });
  });

  it('collects the failures of error lanes on the way', async () => {
    const tracer = new LineageTracer(store, replyGraph(definition, 'in', 'out'), { maxRoots: 100 });
    await append('in', [{ kind: 'data', at: 0, payload: 'bad' }]);
    await append('split', [data('bad', 'in', 1, 1)], { in: 1 });
    const failure = { stage: 'double', code: 'HANDLER_FAILED', message: 'no', input: 'bad' };
    await append('double', [{ kind: 'error', at: 0, payload: failure, cause: { stage: 'split', seq: 1 } }], { 'split#1': 1 });
    await append('out', [], { double: 1 });
    await tracer.refresh();
    expect(tracer.outcome(1, 1)).to.deep.equal({ state: 'done', results: [], failures: [{ stage: 'double', code: 'HANDLER_FAILED', message: 'no' }] });
  });

  it('looks up a request older than the replies it keeps by tracing the journals again', async () => {
    const graph = replyGraph(definition, 'in', 'out');
    const waits = new ReplyWaits({ view: store, graph, clock: new SimulatedClock(), timeoutMs: 1000, pollMs: 100, maxRoots: 2 });
    for (let root = 1; root <= 3; root++) {
      await append('in', [{ kind: 'data', at: 0, payload: root }]);
      await append('split', [data(root, 'in', root, 1)], { in: root });
      await append('double', [data(root * 10, 'split', root)], { 'split#1': root });
      await append('out', [], { double: root });
    }
    expect(await waits.lookup(3, 3)).to.deep.equal({ state: 'done', results: [30], failures: [] });
    expect(await waits.lookup(1, 1)).to.deep.equal({ state: 'done', results: [10], failures: [] });
    expect(await waits.lookup(4, 4)).to.deep.equal({ state: 'unknown' });
    waits.close();
  });

  it('answers a wait on a commit notification, and pending when its time is up', async () => {
    const clock = new SimulatedClock();
    const waits = new ReplyWaits({ view: store, graph: replyGraph(definition, 'in', 'out'), clock, timeoutMs: 1000, pollMs: 100, maxRoots: 10 });
    await append('in', [{ kind: 'data', at: 0, payload: 1 }, { kind: 'data', at: 0, payload: 2 }]);
    const first = waits.wait(1, 1);
    const second = waits.wait(2, 2);
    await append('split', [data(1, 'in', 1, 1)], { in: 1 });
    await append('double', [data('one', 'split', 1)], { 'split#1': 1 });
    await append('out', [], { double: 1 });
    // No clock moved: the commits woke it.
    expect(await first).to.deep.equal({ state: 'done', results: ['one'], failures: [] });
    await clock.advance(1000);
    expect(await second).to.deep.equal({ state: 'pending' });
    waits.close();
  });
});
