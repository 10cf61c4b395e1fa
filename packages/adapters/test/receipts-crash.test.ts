import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { receiptOf, SYSTEM_JOURNAL, type ActivityEntry, type Receipt } from '@sluice/runtime';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';

const LIMIT = 400;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function lines(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length : 0;
}

describe('delivery receipts under SIGKILL (child processes, real LMDB)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-receipts-crash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a sink killed at random points and restarted: every input of it has exactly one receipt, the failed ones their reason', async () => {
    const dataDir = join(dir, 'data');
    const out = join(dir, 'out');
    const args = ['run', fixture('receipts-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_OUT: out, FIXTURE_LIMIT: String(LIMIT) }, timeoutMs: 60_000 };
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const before = lines(join(out, 'doubled.jsonl'));
      const child = startSluice(args, options);
      // Wait on the sink's file, not on a fixed time: kill once it moved on by some records.
      const until = Date.now() + 20_000;
      const target = before + 20 + Math.floor(Math.random() * 40);
      while (lines(join(out, 'doubled.jsonl')) < target && child.child.exitCode === null && Date.now() < until) await sleep(2);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(kills, 'at least one kill landed mid-run').to.be.at.least(1);

    const { inputs, receipts, notices } = await withStore(dataDir, async (store) => ({
      inputs: (await store.read('double', 0, 100_000)).filter((r) => r.kind === 'data').map((r) => ({ seq: r.seq, n: r.payload as number })),
      receipts: (await store.read('out', 0, 100_000)).map(receiptOf).filter((r): r is Receipt => r !== undefined),
      notices: (await store.read(SYSTEM_JOURNAL, 0, 100_000)).map((r) => r.payload as ActivityEntry).filter((e) => e.type === 'stage.notice' && e.kind === 'edges.checked'),
    }));
    expect(inputs).to.have.length(LIMIT - LIMIT / 50);
    const seen = new Map<number, string>();
    for (const r of receipts) {
      const seqs = r.receipt === 'failed' ? [r.input] : inputs.filter((i) => i.seq >= r.from && i.seq <= r.to).map((i) => i.seq);
      if (r.receipt === 'delivered') expect(seqs.length, `receipt ${String(r.seq)} counts its inputs`).to.equal(r.count);
      for (const seq of seqs) {
        expect(seen.has(seq), `input double#${String(seq)} has one receipt`).to.equal(false);
        seen.set(seq, r.receipt === 'failed' ? `failed: ${r.message}` : 'delivered');
      }
    }
    const expected = new Map(inputs.map((i) => [i.seq, i.n % 74 === 0 ? `failed: ${String(i.n)} is refused` : 'delivered']));
    expect([...seen.entries()].sort((a, b) => a[0] - b[0])).to.deep.equal([...expected.entries()]);
    expect(lines(join(out, 'doubled.jsonl'))).to.equal([...expected.values()].filter((v) => v === 'delivered').length);
    // The run that reached EOF checked the edges: no violation.
    expect(notices.map((n) => (n.type === 'stage.notice' ? n.details?.['violations'] : undefined))).to.deep.equal([[]]);
  });
});
