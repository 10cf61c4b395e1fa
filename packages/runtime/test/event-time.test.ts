import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  filter,
  FlowDefinitionError,
  merge,
  sink,
  SimulatedClock,
  source,
  transform,
  type Edge,
  type JournalRecord,
  type StageNode,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { EventTimeTracker } from '../src/event-time.ts';
import type { Input } from '../src/upstream-reader.ts';
import { collect, items } from './support/handlers.ts';

interface Tick {
  readonly n: number;
  readonly at: number;
}

const ticks = (times: readonly number[]): Tick[] => times.map((at, n) => ({ n, at }));

/** A node with `inputs` upstreams, as a runner sees it. */
function nodeWith(inputs: number, options: StageNode['options'] = {}): StageNode {
  const edges: Edge[] = Array.from({ length: inputs }, (_, i) => ({ from: { name: `up${String(i)}` } as StageNode }));
  return { name: 'x', kind: 'map', type: { name: 'map', ports: () => 1 }, spec: {}, inputs: edges, options };
}

const inputOf = (index: number): Input => ({ index, upstream: `up${String(index)}`, port: undefined, key: `up${String(index)}`, cursor: 0, ended: false });
const marked = (seq: number, watermark: number): JournalRecord => ({ kind: 'data', at: 0, payload: null, seq, watermark, time: watermark });

describe('event time', () => {
  it('a source assigns event time and a watermark bounded by outOfOrdernessMs; a transform passes both on', async () => {
    const store = createMemoryJournalStore();
    const times = [100, 90, 130, 120, 200];
    const src = source('ticks', items(ticks(times)), { eventTime: { of: (t) => t.at, outOfOrdernessMs: 20 }, batchSize: 2 });
    const doubled = transform('double', src, (t) => ({ ...t, n: t.n * 2 }));
    await run(flow('time', [sink('out', doubled, collect<Tick>([]))]), { store });
    const journaled = (await store.read('ticks', 0, 10)).filter((r) => r.kind === 'data');
    expect(journaled.map((r) => r.time)).to.deep.equal(times);
    expect(journaled.map((r) => r.watermark), 'highest time so far minus 20').to.deep.equal([80, 80, 110, 110, 180]);
    const passed = (await store.read('double', 0, 10)).filter((r) => r.kind === 'data');
    expect(passed.map((r) => [r.time, r.watermark])).to.deep.equal(journaled.map((r) => [r.time, r.watermark]));
  });

  it('sends a record whose event time is not a number to the error lane, naming the stage, and keeps the rest', async () => {
    const store = createMemoryJournalStore();
    const values = [{ at: 5 }, { at: Number.NaN }, { at: 'noon' as unknown as number }, { at: 9 }];
    const out: { at: number }[] = [];
    const src = source('events', items(values), { eventTime: { of: (v) => v.at } });
    await run(flow('bad-time', [sink('out', src, collect(out))]), { store });
    expect(out.map((v) => v.at)).to.deep.equal([5, 9]);
    const errors = (await store.read('events', 0, 10)).filter((r) => r.kind === 'error');
    expect(errors).to.have.length(2);
    expect(JSON.stringify(errors[0]?.payload)).to.match(/stage \\"events\\": eventTime.of gave NaN/);
    expect(JSON.stringify(errors[1]?.payload)).to.match(/gave string/);
  });

  it('refuses event-time options it cannot run with when the flow is defined, naming the stage', () => {
    const bad = { of: 'at' } as unknown as { of: (v: Tick) => number };
    expect(() => source('src', items(ticks([1])), { eventTime: bad })).to.throw(FlowDefinitionError, /stage "src": eventTime.of must be a function/);
    expect(() => source('src', items(ticks([1])), { eventTime: { of: (t) => t.at, outOfOrdernessMs: -1 } })).to.throw(FlowDefinitionError, /outOfOrdernessMs/);
    expect(() => merge('m', [], { idleInputMs: Number.NaN })).to.throw(FlowDefinitionError, /stage "m": idleInputMs/);
  });

  it('a merge stamps the minimum of its inputs, and an ended input stops holding it back', async () => {
    const store = createMemoryJournalStore();
    const slow = source('slow', items(ticks([0, 1, 2, 3, 4])), { eventTime: { of: (t) => t.at }, batchSize: 7 });
    const fast = source('fast', items(ticks(Array.from({ length: 100 }, (_, i) => 1000 + i))), { eventTime: { of: (t) => t.at }, batchSize: 13 });
    const both = merge('both', [slow, fast], { batchSize: 10 });
    await run(flow('min', [sink('out', both, collect<Tick>([]))]), { store });
    const merged = (await store.read('both', 0, 1000)).filter((r) => r.kind === 'data');
    expect(merged).to.have.length(105);
    const marks = merged.map((r) => r.watermark ?? -1);
    expect(marks, 'never goes back').to.deep.equal([...marks].sort((a, b) => a - b));
    const lastSlow = merged.findIndex((r, i) => r.time !== undefined && r.time < 1000 && merged.slice(i + 1).every((m) => (m.time ?? 0) >= 1000));
    for (const [i, record] of merged.entries()) {
      if ((record.watermark ?? 0) > 4) expect(i, 'past the slow input only once it ended').to.be.greaterThan(lastSlow);
    }
    expect(Math.max(...marks), 'the fast input alone, after the slow one ended').to.equal(1099);
  });

  it('a stage that drops everything it reads writes watermark-only control records, so time moves on downstream', async () => {
    const store = createMemoryJournalStore();
    const src = source('ticks', items(ticks(Array.from({ length: 50 }, (_, i) => i * 10))), { eventTime: { of: (t) => t.at }, batchSize: 10 });
    const none = filter('none', src, (t) => t.n === 49, { batchSize: 10 });
    const after = transform('after', none, (t) => t);
    await run(flow('marks', [sink('out', after, collect<Tick>([]))]), { store });
    const written = await store.read('none', 0, 100);
    const controls = written.filter((r) => r.kind === 'control');
    expect(controls.length, 'one per batch that emitted nothing').to.be.greaterThan(2);
    expect(controls.map((r) => r.watermark)).to.deep.equal(controls.map((r) => (r.payload as { watermark: number }).watermark));
    const marks = written.map((r) => r.watermark).filter((w) => w !== undefined);
    expect(marks, 'never goes back').to.deep.equal([...marks].sort((a, b) => a - b));
    expect(written.filter((r) => r.kind === 'data').map((r) => r.time)).to.deep.equal([490]);
    const downstream = (await store.read('after', 0, 100)).filter((r) => r.kind === 'data');
    expect(downstream.map((r) => r.watermark)).to.deep.equal([490]);
  });

  it('a reader of one route port learns the watermark from the records of the other ports', () => {
    const tracker = new EventTimeTracker(nodeWith(1), new SimulatedClock(0));
    const input = inputOf(0);
    tracker.observe(input, marked(1, 10));
    tracker.afterRead({ batches: [], count: 0, cursors: {}, ended: [], endsNow: false, moved: true, marks: [{ input, watermark: 70 }] });
    expect(tracker.current()).to.equal(70);
  });

  it('an input silent for idleInputMs stops holding the watermark back, and counts again when it speaks', () => {
    const clock = new SimulatedClock(0);
    const tracker = new EventTimeTracker(nodeWith(2, { idleInputMs: 1000 }), clock);
    const [a, b] = [inputOf(0), inputOf(1)];
    tracker.observe(a, marked(1, 10));
    tracker.observe(b, marked(1, 5));
    expect(tracker.current()).to.equal(5);
    expect(tracker.observe(a, marked(2, 500)), 'returns the watermark before the record').to.equal(5);
    expect(tracker.current(), 'b still holds it').to.equal(5);
    clock.set(1500);
    tracker.observe(a, marked(3, 800));
    expect(tracker.current(), 'b has been silent 1.5 s').to.equal(800);
    tracker.observe(b, marked(2, 600));
    expect(tracker.current(), 'b speaks again; the watermark never goes back').to.equal(800);
    tracker.observe(a, marked(4, 900));
    tracker.observe(b, marked(3, 850));
    expect(tracker.current()).to.equal(850);
  });

  it('without idleInputMs, an input that has brought no watermark yet holds the stage back', () => {
    const clock = new SimulatedClock(0);
    const tracker = new EventTimeTracker(nodeWith(2), clock);
    tracker.observe(inputOf(0), marked(1, 100));
    clock.set(1_000_000);
    tracker.observe(inputOf(0), marked(2, 200));
    expect(tracker.current()).to.equal(undefined);
    tracker.ended(inputOf(1));
    expect(tracker.current()).to.equal(200);
  });

  it('a restart recovers the watermark from the last record consumed per input and the last one written', async () => {
    const store = createMemoryJournalStore();
    await store.commit({ stage: 'up0', records: [10, 20, 30].map((w) => ({ kind: 'data', at: 0, payload: w, time: w, watermark: w })) });
    await store.commit({ stage: 'x', records: [{ kind: 'data', at: 0, payload: 1, time: 20, watermark: 20 }], cursors: { up0: 2 } });
    const tracker = new EventTimeTracker(nodeWith(1), new SimulatedClock(0));
    await tracker.restore(store, [{ ...inputOf(0), cursor: 2 }]);
    expect(tracker.current(), 'from up0#2, the last consumed').to.equal(20);

    await store.commit({ stage: 'src', records: [{ kind: 'data', at: 0, payload: 1, time: 70, watermark: 60 }] });
    const assigning = new EventTimeTracker({ ...nodeWith(0), name: 'src', options: { eventTime: { of: (v: number) => v, outOfOrdernessMs: 10 } } }, new SimulatedClock(0));
    await assigning.restore(store, []);
    expect(assigning.assigner?.advance(65), 'the highest time emitted (70) survives the restart').to.equal(60);
  });
});
