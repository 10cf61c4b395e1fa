import { expect } from 'chai';
import { SimulatedClock, createMemoryJournalStore, flow, keyed, sink, source, type JournalStore, type SinkHandler } from '@sluice/core';
import { run, type PipelineHandle } from '@sluice/runtime';
import { live } from './support/handlers.ts';

interface Fired {
  readonly key: string;
  readonly count: number;
  readonly now: number;
}

/** Advances the clock `stepMs` at a time until `done()`. */
async function advanceUntil(clock: SimulatedClock, done: () => boolean, stepMs = 100, limit = 10_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await clock.advance(stepMs);
  expect(done(), 'reached on the virtual clock').to.equal(true);
}

/** Advances the clock by `ms` in steps. */
async function advanceBy(clock: SimulatedClock, ms: number, stepMs = 100): Promise<void> {
  for (let moved = 0; moved < ms; moved += stepMs) await clock.advance(stepMs);
}

/** A flow counting per key, emitting only on its timer: every 1 s, for the keys changed since the last firing. */
function timedCounts(inbox: string[], done: () => boolean, into: Fired[]): ReturnType<typeof flow> {
  const out: SinkHandler<Fired, number> = { open: () => ({ write: (values) => (into.push(...values), into.length) }) };
  const counts = keyed('counts', source('ids', live(() => inbox.splice(0), done)), {
    key: (id: string) => id,
    init: () => 0,
    step: (n: number) => n + 1,
    output: () => undefined,
    timer: { everyMs: 1000, fire: (count, key, at) => ({ key, count, now: at }) },
  });
  return flow('timer', [sink('out', counts, out)]);
}

describe('keyed stage: timer', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('fires on the clock for the keys changed since the last firing, and not for the others', async () => {
    const clock = new SimulatedClock(0);
    const inbox = ['a', 'b', 'a'];
    const fired: Fired[] = [];
    let ending = false;
    const handle = run(timedCounts(inbox, () => ending, fired), { store, clock });
    await advanceUntil(clock, () => fired.length >= 2);
    expect(fired).to.deep.equal([
      { key: 'a', count: 2, now: 1000 },
      { key: 'b', count: 1, now: 1000 },
    ]);
    inbox.push('c', 'a');
    await advanceUntil(clock, () => fired.length >= 4);
    expect(fired.slice(2)).to.deep.equal([
      { key: 'a', count: 3, now: 2000 },
      { key: 'c', count: 1, now: 2000 },
    ]);
    await advanceBy(clock, 3000);
    expect(fired, 'nothing changed, nothing fired').to.have.length(4);
    const firings = (await store.read('counts', 0, 20)).filter((r) => r.kind === 'data');
    expect(firings, 'each firing is journaled').to.have.length(4);
    ending = true;
    await advanceUntil(clock, ended(handle));
  });

  it('fires neither twice nor never across a stop and a restart', async () => {
    const clock = new SimulatedClock(0);
    const inbox = ['a', 'b'];
    const first: Fired[] = [];
    const one = run(timedCounts(inbox, () => false, first), { store, clock });
    await advanceUntil(clock, () => first.length >= 2);
    // Changed after the firing, stopped before the next one: it must fire after the restart.
    inbox.push('c');
    await advanceUntil(clock, () => inbox.length === 0);
    await advanceBy(clock, 300);
    expect(first).to.have.length(2);
    await stopOn(clock, one);
    const second: Fired[] = [];
    let ending = false;
    const two = run(timedCounts(inbox, () => ending, second), { store, clock });
    await advanceUntil(clock, () => second.length >= 1);
    await advanceBy(clock, 2000);
    expect(second.map((f) => [f.key, f.count])).to.deep.equal([['c', 1]]);
    inbox.push('a');
    await advanceUntil(clock, () => second.length >= 2);
    expect(second.map((f) => [f.key, f.count])).to.deep.equal([['c', 1], ['a', 2]]);
    ending = true;
    await advanceUntil(clock, ended(two));
    const journaled = (await store.read('counts', 0, 20)).filter((r) => r.kind === 'data').map((r) => (r.payload as Fired).key);
    expect(journaled).to.deep.equal(['a', 'b', 'c', 'a']);
  });
});

function ended(handle: PipelineHandle): () => boolean {
  const state = { ended: false };
  void Promise.resolve(handle).then(
    () => (state.ended = true),
    () => (state.ended = true),
  );
  return () => state.ended;
}

async function stopOn(clock: SimulatedClock, handle: PipelineHandle): Promise<void> {
  const stopping = handle.stop('graceful');
  const done = ended(handle);
  await advanceUntil(clock, done);
  await stopping;
}
