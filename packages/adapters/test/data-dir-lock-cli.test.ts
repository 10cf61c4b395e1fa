import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SYSTEM_JOURNAL, type ActivityEntry } from '@sluice/runtime';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { doubledUpTo, numberLines } from './support/cli-journal.ts';
import { fixture, runSluice, startSluice, waitUntil, type SluiceProcess } from './support/cli-process.ts';

/** Reads a data directory without its lock, as `sluice status` does, so it works beside a run. */
async function inspect<T>(path: string, read: (store: LmdbJournalStore) => Promise<T>): Promise<T> {
  const store = LmdbJournalStore.open({ path, lock: false });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

describe('sluice run: one run per data directory (child processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  let sinkFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lock-cli-'));
    dataDir = join(dir, 'data');
    sinkFile = join(dir, 'out', 'doubled.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = ['run', fixture('endless-flow.ts'), '--data-dir', 'data', '--metrics-port', 'off'];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ FIXTURE_OUT: join(dir, 'out'), ...extra });
  const start = (extra: Record<string, string> = {}): SluiceProcess => startSluice(args, { cwd: dir, env: env(extra) });
  const sinkHas = (n: number): Promise<void> => waitUntil(() => numberLines(sinkFile).length >= n, 30_000, `${n} lines in the sink`);
  const activity = (): Promise<ActivityEntry[]> =>
    inspect(dataDir, async (store) => (await store.read(SYSTEM_JOURNAL, 0, 100_000)).map((r) => r.payload as ActivityEntry));

  it('refuses a second run at once naming the first one’s pid; the first completes exactly', async () => {
    const first = start();
    await sinkHas(40);
    const before = await activity();
    const second = await runSluice(args, { cwd: dir, env: env() });
    expect(second.code, second.stderr).to.equal(1);
    expect(second.stdout).to.equal('');
    expect(second.stderr).to.match(
      new RegExp(`^sluice: data directory ${dataDir} is in use by pid ${first.child.pid} \\(since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)\\n$`),
    );
    const during = await activity();
    expect(during.filter((e) => e.type === 'run.started'), 'no second run started').to.have.length(1);
    expect(during.slice(0, before.length)).to.deep.equal(before);
    first.child.kill('SIGTERM');
    const result = await first.exited;
    expect(result.code, result.stderr).to.equal(0);
    const n = await inspect(dataDir, (store) => store.lastSeq('numbers'));
    expect(numberLines(sinkFile)).to.deep.equal(doubledUpTo(n));
    expect(await inspect(dataDir, (store) => store.readMeta('runs'))).to.equal(1);
  });

  it('sluice status works while a run holds the directory', async () => {
    const first = start();
    await sinkHas(20);
    const status = await runSluice(['status', 'data'], { cwd: dir });
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.include('endless');
    const log = await runSluice(['log', 'data'], { cwd: dir });
    expect(log.code, log.stderr).to.equal(0);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).to.equal(0);
  });

  it('after a SIGKILL of the holder a new run starts at once (no stale lock) and completes exactly', async () => {
    const first = start();
    await sinkHas(20);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).to.equal('SIGKILL');
    const journaled = await inspect(dataDir, (store) => store.lastSeq('numbers'));
    const limit = journaled + 100;
    const rerun = await runSluice(args, { cwd: dir, env: env({ FIXTURE_LIMIT: String(limit), FIXTURE_TICK_MS: '0' }) });
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(/flow "endless" completed/);
    expect(numberLines(sinkFile)).to.deep.equal(doubledUpTo(limit));
  });
});
