import { expect } from 'chai';
import { createMemoryJournalStore, flow, merge, sink, source, type Lineage } from '@sluice/core';
import { run } from '@sluice/runtime';
import { isReadLog } from '../src/read-log.ts';
import { collect, live } from './support/handlers.ts';

/** A source that hands out `total` numbers a few at a time, a random few per read. */
function trickle(total: number, label: string) {
  let sent = 0;
  return live<string>(() => {
    const n = Math.min(total - sent, Math.floor(Math.random() * 7));
    const values = Array.from({ length: n }, (_, i) => `${label}${String(sent + i)}`);
    sent += n;
    return values;
  }, () => sent >= total);
}

describe('read log', () => {
  it('a merge journals the order it read its inputs in, and that order is exactly the order of its outputs', async () => {
    const store = createMemoryJournalStore();
    const both = merge('both', [source('a', trickle(300, 'a')), source('b', trickle(300, 'b'))], { batchSize: 16 });
    await run(flow('fan-in', [sink('out', both, collect<string>([]))]), { store });
    const records = await store.read('both', 0, 10_000);
    const logs = records.filter((r) => r.kind === 'control' && isReadLog(r.payload));
    expect(logs.length, 'one per batch').to.be.greaterThan(1);
    // Expanding the logs in order gives the inputs the merge consumed, one by one.
    const cursor: Record<string, number> = { a: 0, b: 0 };
    const expanded: Lineage[] = [];
    for (const log of logs) {
      if (!isReadLog(log.payload)) continue;
      for (const [input, upTo] of log.payload.read) {
        for (let seq = (cursor[input] ?? 0) + 1; seq <= upTo; seq++) expanded.push({ stage: input, seq });
        cursor[input] = upTo;
      }
    }
    const causes = records.filter((r) => r.kind === 'data').map((r) => r.cause);
    // The sources' EOF records are consumed too but cause no output.
    const dataOnly = expanded.filter((c) => causes.some((d) => d?.stage === c.stage && d.seq === c.seq));
    expect(causes).to.deep.equal(dataOnly);
    expect(causes).to.have.length(600);
    const eofs = records.filter((r) => r.kind === 'eof');
    expect(eofs).to.have.length(1);
    expect(records[records.length - 1]?.kind, 'the log of the last batch comes before the EOF').to.equal('eof');
  });

  it('a stage with one input journals no read log', async () => {
    const store = createMemoryJournalStore();
    const one = merge('one', [source('a', trickle(50, 'a'))]);
    await run(flow('single', [sink('out', one, collect<string>([]))]), { store });
    expect((await store.read('one', 0, 1000)).filter((r) => r.kind === 'control')).to.deep.equal([]);
  });
});
