import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';
import { expectedPairs } from './fixtures/join-data.ts';

const PEOPLE = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines of a JSON-lines output, sorted (the sink truncates to its committed position on open). */
const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').sort() : []);

describe('joins under SIGKILL (child processes, LMDB)', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-join-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a stream join, a window join and a lookup killed at random points and restarted: every pair exactly once', async () => {
    const dataDir = join(dir, 'data');
    const out = join(dir, 'out');
    const args = ['run', fixture('join-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_OUT: out, FIXTURE_PEOPLE: String(PEOPLE) }, timeoutMs: 120_000 };
    const expected = expectedPairs(PEOPLE);
    let kills = 0;
    let stateSeen = 0;
    for (let i = 0; i < 4; i++) {
      const before = lines(join(out, 'q3.jsonl')).length;
      const child = startSluice(args, options);
      // Kill once some more pairs are out: mid-batch, mid-commit or between them.
      const until = Date.now() + 30_000;
      while (lines(join(out, 'q3.jsonl')).length < before + 300 + Math.floor(Math.random() * 600) && Date.now() < until && child.child.exitCode === null) await sleep(5);
      await sleep(Math.random() * 20);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
      stateSeen = Math.max(stateSeen, await withStore(dataDir, (store) => store.countKeyed('q8')));
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(kills, 'the flow was killed mid-run').to.be.greaterThan(0);
    expect(lines(join(out, 'q3.jsonl'))).to.deep.equal(expected.q3);
    expect(lines(join(out, 'q8.jsonl'))).to.deep.equal(expected.q8);
    expect(lines(join(out, 'cat.jsonl'))).to.deep.equal(expected.cat);
    expect(lines(join(out, 'late.jsonl')), 'in-order sources: nothing late').to.deep.equal([]);
    expect(stateSeen, 'window buffers were held when killed').to.be.greaterThan(0);
    const after = await withStore(dataDir, async (store) => ({ q8: await store.countKeyed('q8'), q3: await store.countKeyed('q3'), cat: await store.countKeyed('cat') }));
    // The window join's state is gone at the end; the stream join keeps both sides; the lookup its table.
    expect(after).to.deep.equal({ q8: 0, q3: PEOPLE + new Set(expected.q3.map((l) => (JSON.parse(l) as { p: number }).p)).size, cat: 10 });
  });
});
