import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { open } from 'lmdb';
import { after, before, describe, it } from 'mocha';
import { flow, sink, source, transform } from '@sluice/core';
import { receiptOf } from '@sluice/runtime';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { jsonLinesSource } from '../src/io/json-lines-source.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { activityOf, runFlowInto, withStore } from './support/cli-journal.ts';
import { runSluice, type SluiceResult } from './support/cli-process.ts';

/** A control record as lmdb/record-codec.ts stores it: `[kind 3, at, payload]`. */
const CONTROL_CODE = 3;

describe('sluice check: edge contracts (child processes, real LMDB)', function () {
  this.timeout(60_000);
  let dir: string;
  let healthy: string;
  const sluice = (args: readonly string[]): Promise<SluiceResult> => runSluice(args, { cwd: dir });
  const copy = (name: string): string => {
    const target = join(dir, name);
    cpSync(healthy, target, { recursive: true });
    return target;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-edges-'));
    healthy = join(dir, 'healthy');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n') + '\n');
    const numbers = source('numbers', jsonLinesSource<{ n: number }>(input));
    const checked = transform('check', numbers, ({ n }) => {
      if (n % 10 === 0) throw new Error(`${String(n)} is round`);
      return n * 2;
    });
    const summary = await runFlowInto(healthy, flow('edges', [sink('out', checked, jsonLinesSink(join(dir, 'out.jsonl')))]), { batchSize: 4 });
    expect(summary.state).to.equal('completed');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('checks every edge and every receipt of a completed run: ok lines, exit 0', async () => {
    const result = await sluice(['check', healthy]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^ok {2}edge numbers → check {2}read 31\/31$/m);
    expect(result.stdout).to.match(/^ok {2}edge check → out {2}read 31\/31; 27 inputs, 27 delivered, 0 failed, one receipt each$/m);
    expect(result.stdout).to.match(/^edges: 2 checked; 27 inputs of 1 sink checked for one receipt each$/m);
  });

  it('the run that reached EOF noted its check in the activity log', async () => {
    const notices = (await activityOf(healthy)).filter((e) => e.type === 'stage.notice' && e.kind === 'edges.checked');
    expect(notices).to.have.length(1);
    const [notice] = notices;
    expect(notice?.type === 'stage.notice' ? notice.message : '').to.equal('edges checked: 2 edges read to their end, 27 inputs of "out" with one receipt each');
  });

  it('finds a cursor edited back through the store: records never read, exit 1', async () => {
    const broken = copy('cursor');
    const store = LmdbJournalStore.open({ path: broken, lock: false });
    try {
      await store.commit({ stage: 'check', records: [], cursors: { numbers: 25 } });
    } finally {
      await store.close();
    }
    const result = await sluice(['check', broken]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/^problem: edge "numbers" → "check": the run ended with "check" at seq 25 of "numbers", which ends at seq 31: 6 records written upstream were never read$/m);
    expect(result.stdout).to.match(/^ok {2}edge check → out /m);
    expect(result.stderr).to.equal(`sluice: ${broken}: 1 edge contract violation\n`);
  });

  it('finds a receipt removed from the sink journal: the inputs it covered have none, exit 1', async () => {
    const broken = copy('receipt');
    const receipt = await withStore(broken, async (store) => (await store.read('out', 0, 1000)).map(receiptOf).find((r) => r?.receipt === 'delivered'));
    if (receipt?.receipt !== 'delivered') throw new Error('no receipt');
    // Replaced by a control record that is no receipt: the journal stays dense and its counts right.
    const env = open({ path: broken, maxDbs: 1000 });
    try {
      env.openDB<unknown, number>('j:out', { useRecords: false } as object).putSync(receipt.seq, [CONTROL_CODE, Date.now(), { note: 'not a receipt' }]);
      await env.flushed;
    } finally {
      await env.close();
    }
    const result = await sluice(['check', broken]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    const seqs = Array.from({ length: receipt.to - receipt.from + 1 }, (_, i) => receipt.from + i).slice(0, 5).join(', ');
    expect(result.stdout).to.include(`problem: sink "out": ${String(receipt.count)} of 27 inputs from "check" have no receipt (seq ${seqs}`);
    expect(result.stdout).to.match(/^ok {2}edge numbers → check /m);
  });
});
