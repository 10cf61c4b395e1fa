import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ActivityEntry } from '@sluice/runtime';
import { fixture, runSluice, startSluice, waitUntil, type SluiceProcess } from './support/cli-process.ts';
import { activityOf, doubledUpTo, numberLines, withStore } from './support/cli-journal.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ofType<T extends ActivityEntry['type']>(entries: readonly ActivityEntry[], type: T): Extract<ActivityEntry, { type: T }>[] {
  return entries.filter((e): e is Extract<ActivityEntry, { type: T }> => e.type === type);
}

describe('sluice run: graceful start and stop on signals (child processes)', function () {
  this.timeout(40_000);
  let dir: string;
  let dataDir: string;
  let sinkFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-signals-'));
    dataDir = join(dir, 'data');
    sinkFile = join(dir, 'out', 'doubled.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = (extra: readonly string[] = []): string[] => [
    'run', fixture('endless-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', ...extra,
  ];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ FIXTURE_OUT: join(dir, 'out'), ...extra });
  const start = (extraEnv: Record<string, string> = {}, extraArgs: readonly string[] = []): SluiceProcess =>
    startSluice(args(extraArgs), { cwd: dir, env: env(extraEnv) });
  const sinkHas = (n: number): Promise<void> => waitUntil(() => numberLines(sinkFile).length >= n, 20_000, `${n} lines in the sink`);
  const journaled = (): Promise<number> => withStore(dataDir, (store) => store.lastSeq('numbers'));

  it('SIGTERM: drains what is journaled, records the signal and a clean shutdown, and exits 0', async () => {
    const child = start();
    await sinkHas(40);
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/flow "endless" stopped/);
    expect(result.stderr).to.include('SIGTERM received: draining');
    const entries = await activityOf(dataDir);
    expect(ofType(entries, 'signal')).to.deep.include({ type: 'signal', run: entries[0]?.run, signal: 'stop', mode: 'graceful', source: 'SIGTERM' });
    expect(entries[entries.length - 1]).to.include({ type: 'shutdown', clean: true, state: 'stopped' });
    const n = await journaled();
    expect(n).to.be.greaterThan(0);
    expect(numberLines(sinkFile)).to.deep.equal(doubledUpTo(n));
  });

  it('a second SIGINT stops promptly without a clean shutdown, and the next run recovers and completes exactly once', async () => {
    const child = start({ FIXTURE_TICK_MS: '1', FIXTURE_SINK_DELAY_MS: '300' }, ['--batch-size', '200']);
    await sinkHas(1);
    child.child.kill('SIGINT');
    await sleep(100);
    child.child.kill('SIGINT');
    const stoppedAt = Date.now();
    const result = await child.exited;
    expect(Date.now() - stoppedAt, 'exits promptly').to.be.below(5000);
    expect(result.code, result.stderr).to.equal(0);
    const entries = await activityOf(dataDir);
    const signals = ofType(entries, 'signal').map((s) => `${s.mode ?? ''} ${s.source}`);
    expect(signals).to.deep.equal(['graceful SIGINT', 'cancel SIGINT (second)']);
    expect(entries[entries.length - 1]).to.include({ type: 'shutdown', clean: false, state: 'stopped' });

    const n = await journaled();
    const rerun = await runSluice(args(), { cwd: dir, env: env({ FIXTURE_LIMIT: String(n + 100) }) });
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(/flow "endless" completed/);
    const after = await activityOf(dataDir);
    expect(ofType(after, 'run.recovered')).to.have.length(1);
    expect(numberLines(sinkFile)).to.deep.equal(doubledUpTo(n + 100));
  });

  it('cancels a drain that takes longer than --drain-timeout', async () => {
    const child = start({ FIXTURE_TICK_MS: '1', FIXTURE_SINK_DELAY_MS: '400' }, ['--batch-size', '100', '--drain-timeout', '300']);
    await sinkHas(1);
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('drain timed out');
    const entries = await activityOf(dataDir);
    expect(ofType(entries, 'signal').map((s) => s.source)).to.deep.equal(['SIGTERM', 'drain-timeout']);
    expect(entries[entries.length - 1]).to.include({ type: 'shutdown', clean: false });
  });

  it('after SIGKILL the next run records the recovery from an unclean end and completes exactly once', async () => {
    const child = start();
    await sinkHas(40);
    child.child.kill('SIGKILL');
    const killed = await child.exited;
    expect(killed.signal).to.equal('SIGKILL');
    const n = await journaled();
    const rerun = await runSluice(args(), { cwd: dir, env: env({ FIXTURE_LIMIT: String(n + 50) }) });
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(/flow "endless" completed/);
    const entries = await activityOf(dataDir);
    const [recovered] = ofType(entries, 'run.recovered');
    expect(recovered?.message).to.include('ended without clean shutdown');
    expect(entries[entries.length - 1]).to.include({ type: 'shutdown', clean: true, state: 'completed' });
    expect(numberLines(sinkFile)).to.deep.equal(doubledUpTo(n + 50));
  });
});
