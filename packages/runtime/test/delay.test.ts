import { expect } from 'chai';
import { SimulatedClock, createMemoryJournalStore, delay, flow, sink, source, type JournalStore, type SinkHandler } from '@sluice/core';
import { run, type PipelineHandle } from '@sluice/runtime';
import { items, live } from './support/handlers.ts';

interface Fired<T> {
  readonly value: T;
  readonly at: number;
}

/** A sink that notes the clock time each value arrived at. */
function timed<T>(clock: SimulatedClock, into: Fired<T>[]): SinkHandler<T, number> {
  return {
    open: () => ({
      write: (values) => {
        for (const value of values) into.push({ value, at: clock.now() });
        return into.length;
      },
    }),
  };
}

/** Advances the clock `stepMs` at a time until `done()`. */
async function advanceUntil(clock: SimulatedClock, done: () => boolean, stepMs = 10, limit = 100_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await clock.advance(stepMs);
  expect(done(), 'reached on the virtual clock').to.equal(true);
}

function ended(handle: PipelineHandle): () => boolean {
  const state = { ended: false };
  void Promise.resolve(handle).then(
    () => (state.ended = true),
    () => (state.ended = true),
  );
  return () => state.ended;
}

describe('delay', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('holds each record for forMs after it was written upstream, then passes it on; the flow ends after the last', async () => {
    const clock = new SimulatedClock(1_000);
    const out: Fired<number>[] = [];
    const handle = run(flow('d', [sink('out', delay('wait', source('in', items([1, 2, 3])), { forMs: 60_000 }), timed(clock, out))]), { store, clock });
    const done = ended(handle);
    await advanceUntil(clock, done, 1_000);
    const [written] = await store.read('in', 0, 1);
    expect(out.map((f) => f.value)).to.deep.equal([1, 2, 3]);
    for (const f of out) {
      expect(f.at - ((written?.at ?? 0) + 60_000), 'not early, and on time').to.be.within(0, 1_000);
    }
    expect(await store.countKeyed('wait'), 'nothing left pending').to.equal(0);
    const records = await store.read('wait', 0, 10);
    expect(records.map((r) => r.kind)).to.deep.equal(['data', 'data', 'data', 'eof']);
    expect(records[0]?.cause).to.deep.equal({ stage: 'in', seq: 1 });
  });

  it('fires by due time computed from the record, in due-time order (input order among equal times)', async () => {
    const clock = new SimulatedClock(0);
    const out: Fired<{ id: string; due: number }>[] = [];
    const jobs = [
      { id: 'c', due: 30_000 },
      { id: 'a', due: 10_000 },
      { id: 'b1', due: 20_000 },
      { id: 'b2', due: 20_000 },
      { id: 'now', due: -5 },
    ];
    const delayed = delay('wait', source('in', items(jobs)), { until: (job) => job.due });
    const handle = run(flow('d', [sink('out', delayed, timed(clock, out))]), { store, clock });
    await advanceUntil(clock, ended(handle), 500);
    expect(out.map((f) => f.value.id)).to.deep.equal(['now', 'a', 'b1', 'b2', 'c']);
    for (const f of out) expect(f.at).to.be.at.least(f.value.due).and.below(Math.max(0, f.value.due) + 600);
  });

  it('sends a record whose due time is not a number to the error lane, naming the stage', async () => {
    const clock = new SimulatedClock(0);
    const out: Fired<number>[] = [];
    const delayed = delay('wait', source('in', items([1, 2, 3])), { until: (n) => (n === 2 ? Number.NaN : n === 3 ? (() => { throw new Error('no date'); })() : 100) });
    const summary = run(flow('d', [sink('out', delayed, timed(clock, out))]), { store, clock });
    await advanceUntil(clock, ended(summary), 50);
    expect(out.map((f) => f.value)).to.deep.equal([1]);
    const errors = (await store.read('wait', 0, 10)).filter((r) => r.kind === 'error').map((r) => (r.payload as { message: string }).message);
    expect(errors).to.have.length(2);
    expect(errors[0]).to.match(/delay "wait": the due time of #2 is NaN/);
    expect(errors[1]).to.match(/no date/);
  });

  it('holds records through a pause: one due during the pause fires on resume, not before', async () => {
    const clock = new SimulatedClock(0);
    const out: Fired<number>[] = [];
    let next = 1;
    const src = live(() => (next <= 2 ? [next++] : []), () => false); // never ends: a draining flow cannot pause
    const handle = run(flow('d', [sink('out', delay('wait', source('in', src), { until: (n: number) => n * 10_000 }), timed(clock, out))]), { store, clock });
    await advanceUntil(clock, () => out.length >= 1, 100);
    handle.pause('test');
    await advanceUntil(clock, () => handle.snapshot().value === 'paused', 10);
    await advanceUntil(clock, () => clock.now() >= 30_000, 1_000);
    expect(out.map((f) => f.value), 'nothing fires while paused').to.deep.equal([1]);
    handle.resume('test');
    await advanceUntil(clock, () => out.length >= 2, 10);
    await Promise.all([handle.stop('graceful'), advanceUntil(clock, ended(handle), 1)]);
    expect(out.map((f) => f.value)).to.deep.equal([1, 2]);
    expect(out[1]?.at, 'due at 20 s, during the pause: fires at the resume').to.be.within(30_000, 30_100);
  });

  it('keeps pending records across a stop and a restart; they fire at their due time, once', async () => {
    const clock = new SimulatedClock(0);
    const fed: number[] = [];
    let next = 1;
    // A live source: one record per read until 5, never ending, so the flow runs until stopped.
    const src = live(() => (next <= 5 ? [next++] : []), () => false);
    const makeFlow = (into: Fired<number>[]) => flow('d', [sink('out', delay('wait', source('in', src), { until: (n: number) => n * 10_000 }), timed(clock, into))]);
    const first: Fired<number>[] = [];
    let handle = run(makeFlow(first), { store, clock });
    await advanceUntil(clock, () => first.length >= 2, 100);
    await Promise.all([handle.stop('graceful'), advanceUntil(clock, ended(handle), 1)]);
    fed.push(...first.map((f) => f.value));
    expect(await store.countKeyed('wait'), 'pending after the stop').to.equal(3);
    clock.set(35_000); // down while #3 fell due
    const second: Fired<number>[] = [];
    handle = run(makeFlow(second), { store, clock });
    await advanceUntil(clock, () => second.length >= 3, 100);
    await Promise.all([handle.stop('graceful'), advanceUntil(clock, ended(handle), 1)]);
    expect([...fed, ...second.map((f) => f.value)], 'each once, in due order').to.deep.equal([1, 2, 3, 4, 5]);
    const [three, four, five] = second;
    expect(three?.at, 'due during the downtime: fires at the restart').to.be.within(35_000, 35_100);
    expect(four?.at).to.be.within(40_000, 40_100);
    expect(five?.at).to.be.within(50_000, 50_100);
  });
});
