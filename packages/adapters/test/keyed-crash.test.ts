import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';
import { keyOf } from './fixtures/keyed-flow.ts';

const COUNT = 60_000;
const KEYS = 25_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

describe('keyed state on LMDB under SIGKILL (child processes)', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-keyed-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('killed while keyed deltas are written and merged, then restarted: every key counted exactly, every change emitted once', async () => {
    const dataDir = join(dir, 'data');
    const updates = join(dir, 'out', 'updates.jsonl');
    const args = ['run', fixture('keyed-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_OUT: join(dir, 'out'), FIXTURE_COUNT: String(COUNT), FIXTURE_KEYS: String(KEYS) }, timeoutMs: 120_000 };
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const before = sizeOf(updates);
      const child = startSluice(args, options);
      // Kill once the sink has moved on by a few batches of changes (the keyed stage is ahead of it).
      const until = Date.now() + 60_000;
      while (sizeOf(updates) < before + 100_000 + Math.floor(Math.random() * 100_000) && Date.now() < until && child.child.exitCode === null) await sleep(5);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    console.log(`      (${String(kills)} SIGKILLs)`);

    const expected = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) expected.set(keyOf(i, KEYS), (expected.get(keyOf(i, KEYS)) ?? 0) + 1);
    const rows = readFileSync(updates, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; n: number; final?: boolean });
    const changes = rows.filter((r) => r.final !== true);
    expect(changes, 'one change per record').to.have.length(COUNT);
    const seen = new Map<string, number>();
    for (const { key, n } of changes) {
      expect(n, `change of ${key}`).to.equal((seen.get(key) ?? 0) + 1);
      seen.set(key, n);
    }
    const finals = rows.filter((r) => r.final === true);
    expect(finals).to.have.length(KEYS);
    for (const { key, n } of finals) expect(n, key).to.equal(expected.get(key));
    const stored = await withStore(dataDir, async (store) => ({ held: await store.countKeyed('counts'), some: await store.getKeyed('counts', keyOf(7, KEYS)) }));
    expect(stored.held).to.equal(KEYS);
    expect(stored.some).to.equal(expected.get(keyOf(7, KEYS)));
  });
});
