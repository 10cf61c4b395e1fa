import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ErrorCode, flow, sink, source, transform, type Flow, type SinkHandler, type SourceHandler } from '@sluice/core';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import { LmdbJournalStore, run } from '../src/index.ts';
import { acquireDataDirLock, LOCK_FILE, type DataDirLockMethod } from '../src/lmdb/data-dir-lock.ts';

const IN_USE = /^data directory (.+) is in use by pid (\d+) \(since (\d{4}-\d\d-\d\dT[\d:.]+Z)\)$/;

async function rejection(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Numbers 1..count, the last ones only once `release` is called: keeps a run going. */
function gatedFlow(count: number, out: number[]): { flow: Flow; release: () => void; started: Promise<void> } {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started = (): void => undefined;
  const firstRead = new Promise<void>((resolve) => (started = resolve));
  const numbers: SourceHandler<number, number> = {
    open: (position) => {
      let next = position ?? 0;
      return {
        read: async (max) => {
          started();
          if (next >= count / 2) await gate;
          const values: number[] = [];
          while (values.length < max && next < count) values.push((next += 1));
          return { values, position: next, done: next >= count };
        },
      };
    },
  };
  const collect: SinkHandler<number, number> = { open: () => ({ write: (values) => (out.push(...values), out.length) }) };
  const doubled = transform('double', source('numbers', numbers), (n) => n * 2);
  return { flow: flow('gated', [sink('out', doubled, collect)]), release, started: firstRead };
}

for (const method of ['socket', 'pid-file'] as const satisfies readonly DataDirLockMethod[]) {
  describe(`acquireDataDirLock (${method})`, () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-lock-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('refuses a second holder naming the first one, and lets the directory go on release', async () => {
      const path = join(dir, 'data');
      const lock = await acquireDataDirLock(path, { method });
      expect(lock.holder.pid).to.equal(process.pid);
      const refused = await rejection(acquireDataDirLock(path, { method }));
      expect(refused).to.include({ code: ErrorCode.DataDirInUse });
      expect(refused.message).to.equal(`data directory ${path} is in use by pid ${process.pid} (since ${lock.holder.since})`);
      await lock.release();
      expect(existsSync(join(path, LOCK_FILE)), 'LOCK removed').to.equal(false);
      const again = await acquireDataDirLock(path, { method });
      await again.release();
    });

    it('is one lock for every spelling of the directory (a symlink, a relative path)', async () => {
      const path = join(dir, 'data');
      mkdirSync(path);
      symlinkSync(path, join(dir, 'link'));
      const lock = await acquireDataDirLock(join(dir, 'link'), { method });
      try {
        expect((await rejection(acquireDataDirLock(path, { method }))).message).to.match(IN_USE);
        expect((await rejection(acquireDataDirLock(`${dir}/./data/`, { method }))).message).to.match(IN_USE);
      } finally {
        await lock.release();
      }
    });

    it('takes over a LOCK file left by a dead process', async () => {
      const path = join(dir, 'data');
      mkdirSync(path);
      // pid 2^22+1 is above Linux's pid_max default ceiling: no such process.
      writeFileSync(join(path, LOCK_FILE), JSON.stringify({ pid: 4_194_305, since: '2020-01-01T00:00:00.000Z', host: 'gone' }));
      const lock = await acquireDataDirLock(path, { method });
      expect(JSON.parse(readFileSync(join(path, LOCK_FILE), 'utf8'))).to.include({ pid: process.pid });
      await lock.release();
    });
  });
}

describe('LmdbJournalStore: the data directory lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-lock-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('openLocked refuses a directory a writable store holds, before opening anything', async () => {
    const first = await LmdbJournalStore.openLocked({ path: dir });
    try {
      const refused = await rejection(LmdbJournalStore.openLocked({ path: dir }));
      expect(refused.message).to.match(IN_USE);
      expect(refused.message).to.include(`pid ${process.pid}`);
    } finally {
      await first.close();
    }
    const next = await LmdbJournalStore.openLocked({ path: dir });
    await next.close();
  });

  it('open() locks too: every call of a refused store rejects, nothing is written', async () => {
    const first = LmdbJournalStore.open({ path: dir });
    await first.writeMeta('owner', 'first');
    const second = LmdbJournalStore.open({ path: dir });
    expect((await rejection(second.readMeta('owner'))).message).to.match(IN_USE);
    expect((await rejection(second.writeMeta('owner', 'second'))).message).to.match(IN_USE);
    await second.close();
    expect(await first.readMeta('owner')).to.equal('first');
    await first.close();
  });

  it('a read-only open ({ lock: false }) works beside a holder', async () => {
    const first = await LmdbJournalStore.openLocked({ path: dir });
    await first.writeMeta('owner', 'first');
    const reader = LmdbJournalStore.open({ path: dir, lock: false });
    expect(await reader.readMeta('owner')).to.equal('first');
    await reader.close();
    await first.close();
  });
});

describe('run (embedded): two runs on one data directory', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sluice-lock-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the second at once; the first completes with every record once', async () => {
    const out: number[] = [];
    const first = gatedFlow(400, out);
    const running = run(first.flow, { dataDir: dir, logLevel: 'silent', batchSize: 50, config: { cwd: dir, env: {}, file: false } });
    await first.started;
    const secondOut: number[] = [];
    const second = gatedFlow(400, secondOut);
    second.release();
    const refused = await rejection(run(second.flow, { dataDir: dir, logLevel: 'silent', config: { cwd: dir, env: {}, file: false } }));
    expect(refused.message).to.match(/data directory .+ is in use by pid \d+ \(since .+\)/);
    expect(secondOut).to.deep.equal([]);
    first.release();
    const summary = await running;
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(Array.from({ length: 400 }, (_, i) => (i + 1) * 2));
    const store = LmdbJournalStore.open({ path: dir, lock: false });
    try {
      expect(await store.lastSeq('numbers')).to.equal(401); // 400 records and the EOF marker
      const activity = await store.read(SYSTEM_JOURNAL, 0, 1000);
      const started = activity.filter((r) => (r.payload as { type: string }).type === 'run.started');
      expect(started, 'one run started in the activity log').to.have.length(1);
      expect(await store.readMeta('runs')).to.equal(1);
    } finally {
      await store.close();
    }
  });
});
