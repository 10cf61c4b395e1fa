import { expect } from 'chai';
import { SimulatedClock, count, createMemoryJournalStore, flow, groupBy, sink, source, type Counted } from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, live } from './support/handlers.ts';

/** Advances the clock `stepMs` at a time until `done()`. */
async function advanceUntil(clock: SimulatedClock, done: () => boolean, stepMs = 100, limit = 10_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await clock.advance(stepMs);
  expect(done(), 'reached on the virtual clock').to.equal(true);
}

describe('keyed helpers on the clock (emit: { everyMs })', () => {
  it('emits the keys changed since the last tick, each once per tick, and every key at EOF', async () => {
    const clock = new SimulatedClock(0);
    const inbox = ['a', 'b', 'a'];
    let ending = false;
    const out: Counted[] = [];
    const counts = count('clicks', source('in', live(() => inbox.splice(0), () => ending)), (v: string) => v, { emit: { everyMs: 1000 } });
    const handle = run(flow('clock', [sink('out', counts, collect(out))]), { store: createMemoryJournalStore(), clock });
    const finished = { done: false };
    void Promise.resolve(handle).finally(() => (finished.done = true));
    await advanceUntil(clock, () => out.length >= 2);
    expect(out).to.deep.equal([{ key: 'a', count: 2 }, { key: 'b', count: 1 }]);
    inbox.push('c', 'a', 'a');
    await advanceUntil(clock, () => out.length >= 4);
    expect(out.slice(2)).to.deep.equal([{ key: 'a', count: 4 }, { key: 'c', count: 1 }]);
    inbox.push('b');
    ending = true;
    await advanceUntil(clock, () => finished.done);
    // At the end every key's final result, as with 'eof' (b's last change had no tick yet).
    expect(out.slice(4)).to.deep.equal([{ key: 'a', count: 4 }, { key: 'b', count: 2 }, { key: 'c', count: 1 }]);
  });

  it('works for aggregate too, and refuses a period that is not a positive number', () => {
    const events = source('in', live(() => [1], () => false));
    const sums = groupBy('sums', events, (n: number) => String(n % 2)).aggregate({ init: () => 0, add: (s, n) => s + n }, { emit: { everyMs: 500 } });
    expect(sums.edge.from.kind).to.equal('keyed');
    expect(() => count('bad', events, String, { emit: { everyMs: 0 } })).to.throw(/emit must be/);
  });
});
