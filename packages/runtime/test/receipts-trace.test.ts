import { expect } from 'chai';
import { createMemoryJournalStore, flatMap, flow, route, sink, source, stateful, transform, type JournalStore } from '@sluice/core';
import { run, traceRecord, type StoredDefinition, type TraceStep } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

/** numbers → double → parity: evens → twice (two per input) → evens sink; odds → sum (totals at EOF) → sums sink. */
async function ran(): Promise<{ store: JournalStore; topology: StoredDefinition['topology'] }> {
  const store = createMemoryJournalStore();
  const numbers = source('numbers', items(Array.from({ length: 40 }, (_, i) => i + 1)));
  const double = transform('double', numbers, (n) => n * 2);
  const [even, odd] = route('parity', double, (n) => ((n / 2) % 2 === 0 ? 0 : 1), 2);
  const twice = flatMap('twice', even, (n) => [n, -n]);
  const sum = stateful('sum', odd, { init: () => 0, step: (s: number, n: number) => s + n, output: (s: number) => s, onEof: (s: number) => [s * 1000] });
  const summary = await run(flow('trace', [sink('evens', twice, collect<number>([])), sink('sums', sum, collect<number>([]))]), { store, batchSize: 7 });
  expect(summary.state).to.equal('completed');
  return { store, topology: ((await store.readMeta('flow')) as StoredDefinition).topology };
}

const named = (steps: readonly TraceStep[]): string[] =>
  steps.flatMap((s) => [`${s.stage}#${String(s.record.seq)}:${s.record.kind}`, ...named(s.next).map((n) => `  ${n}`)]);

describe('traceRecord', () => {
  it('walks back to the source input and forward to every record and receipt it led to, by binary search', async () => {
    const { store, topology } = await ran();
    const trace = await traceRecord(store, topology, { stage: 'double', seq: 12 });
    expect(trace.record.record.payload).to.equal(24);
    expect(trace.back.map((b) => `${b.stage}#${String(b.record.seq)}`)).to.deep.equal(['numbers#12']);
    expect(trace.origin).to.deep.equal({ reason: 'source', stage: 'numbers' });
    const forward = named(trace.forward);
    expect(forward[0]).to.equal('parity#12:data');
    const twice = trace.forward[0]?.next ?? [];
    expect(twice.map((s) => [s.stage, s.record.payload])).to.deep.equal([
      ['twice', 24],
      ['twice', -24],
    ]);
    for (const step of twice) {
      const [receipt] = step.next;
      expect(receipt?.stage).to.equal('evens');
      const payload = receipt?.record.payload as { receipt: string; from: number; to: number };
      expect(payload.receipt).to.equal('delivered');
      expect(payload.from).to.be.at.most(step.record.seq);
      expect(payload.to).to.be.at.least(step.record.seq);
    }
    expect(trace.searches.every((s) => s.method === 'binary'), JSON.stringify(trace.searches)).to.equal(true);
    expect(trace.truncated).to.equal(false);
  });

  it('the binary search finds, for every input, what a scan of the whole consumer journal finds', async () => {
    const { store, topology } = await ran();
    for (const [upstream, consumer] of [
      ['parity', 'twice'],
      ['twice', 'evens'],
      ['numbers', 'double'],
    ] as const) {
      const all = await store.read(consumer, 0, 10_000);
      for (const input of await store.read(upstream, 0, 10_000)) {
        if (input.kind !== 'data') continue;
        const trace = await traceRecord(store, topology, { stage: upstream, seq: input.seq }, { maxRecords: 10 });
        const found = trace.forward.filter((s) => s.stage === consumer).map((s) => s.record.seq);
        const expected = all
          .filter((r) => {
            const p = r.payload as { receipt?: string; from: number; to: number };
            if (r.cause?.stage !== upstream) return false;
            return p.receipt === 'delivered' ? p.from <= input.seq && input.seq <= p.to : r.kind !== 'control' && r.cause.seq === input.seq;
          })
          .map((r) => r.seq);
        expect(found, `${upstream}#${String(input.seq)} → ${consumer}`).to.deep.equal(expected);
      }
    }
  });

  it('scans a consumer whose outputs are not in input order (a stateful stage) and says so', async () => {
    const { store, topology } = await ran();
    const trace = await traceRecord(store, topology, { stage: 'numbers', seq: 3 });
    expect(named(trace.forward)).to.deep.equal(['double#3:data', '  parity#3:data', '    sum#2:data', '      sums#1:control']);
    expect(trace.searches.find((s) => s.consumer === 'sum')?.method).to.equal('scan');
    expect(trace.searches.find((s) => s.consumer === 'double')?.method).to.equal('binary');
  });

  it('a record with no cause that is not a source input ends the walk back and says what made it', async () => {
    const { store, topology } = await ran();
    const last = await store.lastSeq('sum');
    const total = (await store.read('sum', last - 2, 2)).find((r) => r.kind === 'data' && r.cause === undefined);
    expect(total, 'the EOF total').to.not.equal(undefined);
    const trace = await traceRecord(store, topology, { stage: 'sum', seq: total?.seq ?? 0 });
    expect(trace.back).to.deep.equal([]);
    expect(trace.origin).to.deep.equal({ reason: 'no-cause', stage: 'sum', kind: 'stateful' });
  });

  it('refuses an unknown stage and a seq out of range', async () => {
    const { store, topology } = await ran();
    let error: unknown;
    await traceRecord(store, topology, { stage: 'nope', seq: 1 }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/no stage "nope" in the flow \(stages: numbers, /);
    await traceRecord(store, topology, { stage: 'double', seq: 999 }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/"double" has no record 999: its journal holds seq 1 to 41/);
  });
});
