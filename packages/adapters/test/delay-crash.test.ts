import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';

const COUNT = 3000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const delivered = (file: string): number[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => (JSON.parse(l) as { n: number }).n) : [];

describe('delay under SIGKILL (child processes, LMDB)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-delay-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('killed while records are pending and firing, then restarted: every input fires once, in due order, never early', async () => {
    const dataDir = join(dir, 'data');
    const file = join(dir, 'out', 'delayed.jsonl');
    const args = ['run', fixture('delay-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_OUT: join(dir, 'out'), FIXTURE_COUNT: String(COUNT) }, timeoutMs: 60_000 };
    let kills = 0;
    for (let i = 0; i < 3; i++) {
      const before = delivered(file).length;
      const child = startSluice(args, options);
      // Kill once some more have fired (others are pending in the store).
      const until = Date.now() + 20_000;
      while (delivered(file).length < before + 100 + Math.floor(Math.random() * 300) && Date.now() < until && child.child.exitCode === null) await sleep(5);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
      const pending = await withStore(dataDir, (store) => store.countKeyed('hold'));
      if (i === 0) expect(pending, 'records were pending when killed').to.be.greaterThan(0);
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(kills).to.be.greaterThan(0);
    // The JSON-lines sink truncates to its committed position on open: the file is what was committed.
    expect(delivered(file)).to.deep.equal(Array.from({ length: COUNT }, (_, i) => i + 1));
    const timing = await withStore(dataDir, async (store) => {
      const inputs = new Map((await store.read('numbers', 0, 100_000)).map((r) => [r.seq, r.at]));
      const held = (await store.read('hold', 0, 100_000)).filter((r) => r.kind === 'data');
      return { pending: await store.countKeyed('hold'), early: held.filter((r) => r.at < (inputs.get(r.cause?.seq ?? 0) ?? Infinity) + 300).length, held: held.length };
    });
    expect(timing).to.deep.equal({ pending: 0, early: 0, held: COUNT });
  });
});
