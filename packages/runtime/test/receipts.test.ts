import { expect } from 'chai';
import { createMemoryJournalStore, ErrorCode, flow, route, sink, source, TerminalError, type JournalRecord, type JournalStore, type SinkHandler } from '@sluice/core';
import { receiptOf, run, type Receipt } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

async function journal(store: JournalStore, name: string): Promise<readonly JournalRecord[]> {
  return store.read(name, 0, 100_000);
}

/** A sink that refuses (TerminalError) the values `refuse` says, per record through `batch.fail`. */
function refusing(into: number[], refuse: (n: number) => boolean): SinkHandler<number, number> {
  return {
    open: () => ({
      write: (values, batch) => {
        values.forEach((n, i) => {
          if (refuse(n)) batch?.fail(i, new TerminalError(ErrorCode.HandlerFailed, `${String(n)} refused`));
          else into.push(n);
        });
        return into.length;
      },
    }),
  };
}

/** Every input seq of `upstream` the receipts cover, with how: 'delivered' or 'failed'. */
function covered(receipts: readonly Receipt[]): Map<number, string> {
  const seen = new Map<number, string>();
  const add = (seq: number, how: string): void => {
    expect(seen.has(seq), `input ${String(seq)} has one receipt`).to.equal(false);
    seen.set(seq, how);
  };
  for (const r of receipts) {
    if (r.receipt === 'failed') add(r.input, 'failed');
    else for (let seq = r.from; seq <= r.to; seq++) add(seq, 'delivered');
  }
  return seen;
}

describe('delivery receipts of a sink', () => {
  it('one receipt per run of delivered inputs and the error-lane record of each failed one, input as cause', async () => {
    const store = createMemoryJournalStore();
    const delivered: number[] = [];
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    const out = sink('out', source('nums', items(values)), refusing(delivered, (n) => n === 4 || n === 9), { batchSize: 5 });
    const summary = await run(flow('receipts', [out]), { store, batchSize: 5 });
    expect(summary.state).to.equal('completed');
    const records = await journal(store, 'out');
    const receipts = records.map(receiptOf).filter((r): r is Receipt => r !== undefined);
    expect(receipts.map((r) => (r.receipt === 'delivered' ? `${r.from}-${r.to}:${r.count}` : `x${r.input}`))).to.deep.equal([
      '1-3:3',
      'x4',
      '5-5:1',
      '6-8:3',
      'x9',
      '10-10:1',
    ]);
    for (const record of records.filter((r) => r.kind === 'control')) {
      const payload = record.payload as { upstream: string; to: number };
      expect(payload.upstream).to.equal('nums');
      expect(record.cause, 'the last input of the run is the cause').to.deep.equal({ stage: 'nums', seq: payload.to });
    }
    const failed = receipts.filter((r) => r.receipt === 'failed');
    expect(failed.map((r) => [r.stage, r.input, r.message])).to.deep.equal([
      ['nums', 4, '4 refused'],
      ['nums', 9, '9 refused'],
    ]);
    expect([...covered(receipts).keys()].sort((a, b) => a - b)).to.deep.equal(values);
    expect(records.at(-1)?.kind, 'EOF stays last').to.equal('eof');
    expect(summary.stages['out']?.errors).to.equal(2);
    expect(summary.stages['out']?.out ?? 0, 'receipts are not outputs').to.equal(0);
  });

  it('a sink on a route port covers only the records of its port, naming the port in `upstream`', async () => {
    const store = createMemoryJournalStore();
    const odd: number[] = [];
    const even: number[] = [];
    const [a, b] = route('parity', source('nums', items([1, 2, 3, 4, 5, 6, 7])), (n) => n % 2, 2);
    const flowDef = flow('ports', [sink('even', a, collect(even)), sink('odd', b, collect(odd))]);
    expect((await run(flowDef, { store, batchSize: 100 })).state).to.equal('completed');
    const parity = await journal(store, 'parity');
    const oddSeqs = parity.filter((r) => r.kind === 'data' && r.port === 1).map((r) => r.seq);
    const receipts = (await journal(store, 'odd')).map(receiptOf).filter((r): r is Receipt => r !== undefined);
    const first = receipts[0];
    expect(first?.receipt === 'delivered' ? first.upstream : undefined).to.equal('parity#1');
    expect(receipts.reduce((n, r) => n + (r.receipt === 'delivered' ? r.count : 1), 0)).to.equal(oddSeqs.length);
    expect(odd).to.deep.equal([1, 3, 5, 7]);
  });

  it('a whole batch that fails is retried per record: the failing one fails, the others are delivered, each once', async () => {
    const store = createMemoryJournalStore();
    const into: number[] = [];
    const handler: SinkHandler<number, number> = {
      open: () => ({
        write: (values) => {
          if (values.includes(3)) throw new TerminalError(ErrorCode.HandlerFailed, '3 cannot be written');
          into.push(...values);
          return into.length;
        },
      }),
    };
    const out = sink('out', source('nums', items([1, 2, 3, 4])), handler);
    expect((await run(flow('retry', [out]), { store, batchSize: 10 })).state).to.equal('completed');
    const receipts = (await journal(store, 'out')).map(receiptOf).filter((r): r is Receipt => r !== undefined);
    expect([...covered(receipts).entries()].sort((x, y) => x[0] - y[0])).to.deep.equal([
      [1, 'delivered'],
      [2, 'delivered'],
      [3, 'failed'],
      [4, 'delivered'],
    ]);
  });
});
