import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, transform, type ErrorPayload, type Flow } from '@sluice/core';
import { REPLAY_UNRECORDED, replay, run } from '@sluice/runtime';
import { collect, items, live, until } from './support/handlers.ts';

/** A real in-process receiver of effect calls: it counts them. */
class Receiver {
  calls = 0;
  notified = 0;
}

/** Each number charged through an effect; with `notifyOn`, that input also calls a second effect the original never made. */
function charging(receiver: Receiver, notifyOn?: number): Flow {
  const charged = transform('charge', source('numbers', items(Array.from({ length: 20 }, (_, i) => i + 1))), async (n: number, _record, ctx) => {
    const receipt = await ctx.effect('charge', () => {
      receiver.calls++;
      return n * 10;
    });
    if (n === notifyOn) await ctx.effect('notify', () => receiver.notified++);
    return { n, receipt };
  });
  return flow('charges', [sink('out', charged, collect([]))]);
}

describe('replay and effects', () => {
  it('answers every effect from the journal and calls none', async () => {
    const receiver = new Receiver();
    const original = createMemoryJournalStore();
    await run(charging(receiver), { store: original });
    expect(receiver.calls).to.equal(20);
    const report = await replay(charging(receiver), { original, into: createMemoryJournalStore() });
    expect(report.verdict).to.equal('match');
    expect(receiver.calls, 'no call in the replay').to.equal(20);
    expect(report.effectsRecalled).to.equal(20);
  });

  it('does not call an effect with no recorded outcome: its record fails with REPLAY_UNRECORDED', async () => {
    const receiver = new Receiver();
    const original = createMemoryJournalStore();
    await run(charging(receiver), { store: original });
    const into = createMemoryJournalStore();
    const report = await replay(charging(receiver, 5), { original, into });
    expect(receiver.notified).to.equal(0);
    expect(receiver.calls).to.equal(20);
    const errors = (await into.read('charge', 0, 1000)).filter((r) => r.kind === 'error');
    expect(errors.map((r) => (r.payload as ErrorPayload).code)).to.deep.equal([REPLAY_UNRECORDED]);
    expect(errors[0]?.cause).to.deep.equal({ stage: 'numbers', seq: 5 });
    expect(report.verdict).to.equal('divergence');
    expect(report.first).to.include({ stage: 'charge', seq: 5, field: 'kind' });
    expect(report.differences).to.equal(1);
  });

  it('compares the prefix of an original that was cut off and says it cannot certify more', async () => {
    let sent = 0;
    const endless = live<number>(() => (sent < 30 ? [++sent] : []), () => false);
    const cut = (): Flow => flow('cut', [sink('out', transform('double', source('numbers', endless), (n: number) => n * 2), collect([]))]);
    const original = createMemoryJournalStore();
    const handle = run(cut(), { store: original });
    await until(async () => (await original.lastSeq('double')) >= 30);
    await handle.stop('graceful');
    expect((await original.read('numbers', 0, 1000)).some((r) => r.kind === 'eof'), 'the original has no EOF').to.equal(false);
    const report = await replay(cut(), { original, into: createMemoryJournalStore() });
    expect(report.verdict).to.equal('incomplete');
    expect(report.differences).to.equal(0);
    expect(report.compared).to.deep.equal([{ stage: 'double', records: 30 }]);
    expect(report.reason).to.match(/did not complete \(no EOF on numbers, double\).*double 30 records/);
  });
});
