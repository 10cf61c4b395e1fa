import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile, mkdir, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import {
  ErrorCode,
  JournalCorruptError,
  SluiceError,
  type Envelope,
  type JournalStore,
} from '@sluice/core';
import { LmdbJournalStore, type LmdbDurability } from '../src/lmdb/lmdb-journal-store.ts';

const DURABILITIES: readonly LmdbDurability[] = ['fsync', 'may-lose-last-commits-on-power-loss'];

function records(count: number, from = 1): Envelope[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'data',
    at: 1,
    payload: { n: from + i },
  }));
}

/** The error `call` throws or rejects with. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Runs `change` on the raw LMDB environment in `path`, opened with lmdb-js directly. */
async function tamper(path: string, change: (env: ReturnType<typeof open>) => void): Promise<void> {
  const env = open({ path, maxDbs: 1000 });
  try {
    change(env);
  } finally {
    await env.close();
  }
}

describe('LmdbJournalStore', () => {
  let dir: string;
  let store: JournalStore | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-lmdb-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  describe('options', () => {
    it('defaults to fsync durability and creates a missing data directory', async () => {
      const path = join(dir, 'flows', 'orders.data');
      const opened = LmdbJournalStore.open({ path });
      store = opened;
      expect(opened.durability).to.equal('fsync');
      expect(opened.kind).to.equal('lmdb');
      await opened.commit({ stage: 'a', records: records(1) });
      // The path has an extension, yet it is the directory holding the environment.
      expect((await readFile(join(path, 'data.mdb'))).length).to.be.greaterThan(0);
    });

    for (const durability of DURABILITIES) {
      it(`commits in ${durability} mode and keeps the commits across reopen`, async () => {
        const opened = LmdbJournalStore.open({ path: dir, durability });
        store = opened;
        expect(opened.durability).to.equal(durability);
        await Promise.all(
          [1, 2, 3].map((n) => opened.commit({ stage: 'a', records: records(2, n * 10) })),
        );
        await opened.close();
        store = LmdbJournalStore.open({ path: dir, durability: 'fsync' });
        expect(await store.lastSeq('a')).to.equal(6);
      });
    }

    it('rejects an unknown durability with CONFIG', () => {
      const error = (() => {
        try {
          LmdbJournalStore.open({ path: dir, durability: 'nosync' as LmdbDurability });
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error).to.be.instanceOf(SluiceError);
      expect((error as SluiceError).code).to.equal(ErrorCode.Config);
    });

    it('keeps journals named like its internal databases apart from them', async () => {
      store = LmdbJournalStore.open({ path: dir });
      const names = ['cursors', 'state', 'meta', 'stats', 'store', 'j:a', '$system'];
      for (const name of names) {
        await store.commit({ stage: name, records: records(2), cursors: { up: 5 }, state: name });
      }
      await store.writeMeta('store', 'meta value');
      for (const name of names) {
        expect(await store.lastSeq(name)).to.equal(2);
        expect(await store.cursor(name, 'up')).to.equal(5);
        expect(await store.loadState(name)).to.equal(name);
      }
      expect(await store.lastSeq('a')).to.equal(0);
      expect(await store.readMeta('store')).to.equal('meta value');
      await store.close();
      store = LmdbJournalStore.open({ path: dir });
      expect(await store.journals()).to.deep.equal([...names].sort());
    });
  });

  describe('corruption', () => {
    async function committed(count: number): Promise<void> {
      const opened = LmdbJournalStore.open({ path: dir });
      await opened.commit({ stage: 'a', records: records(count) });
      await opened.close();
    }

    it('detects a missing seq in the middle of a journal', async () => {
      await committed(5);
      await tamper(dir, (env) => env.openDB('j:a', {}).removeSync(3));
      store = LmdbJournalStore.open({ path: dir });
      expect((await store.read('a', 0, 2)).map((r) => r.seq)).to.deep.equal([1, 2]);
      for (const after of [0, 2]) {
        const error = await failure(() => store?.read('a', after, 10));
        expect(error).to.be.instanceOf(JournalCorruptError);
        expect(error).to.include({ stage: 'a', seq: 3 });
        expect((error as Error).message)
          .to.contain('"a"')
          .and.contain('seq 3');
      }
    });

    it('detects values that do not decode to a record', async () => {
      await committed(4);
      await tamper(dir, (env) => {
        const raw = env.openDB('j:a', { encoding: 'binary' });
        raw.putSync(2, Buffer.from([0xc1])); // a byte msgpack never uses
        raw.putSync(3, Buffer.from([0x2a])); // msgpack 42: decodes, but is not a record
      });
      store = LmdbJournalStore.open({ path: dir });
      for (const [after, seq] of [
        [0, 2],
        [2, 3],
      ] as const) {
        const error = await failure(() => store?.read('a', after, 10));
        expect(error).to.be.instanceOf(JournalCorruptError);
        expect(error).to.include({ stage: 'a', seq });
      }
      expect((await store.read('a', 3, 10)).map((r) => r.seq)).to.deep.equal([4]);
    });

    it('refuses a file where the data directory should be, naming the path', async () => {
      const path = join(dir, 'not-a-dir');
      await writeFile(path, 'hello');
      const error = await failure(() => LmdbJournalStore.open({ path }));
      expect(error).to.be.instanceOf(JournalCorruptError);
      expect((error as Error).message).to.contain(path);
    });

    const damaged: Record<string, (file: string) => Promise<void>> = {
      'is not an LMDB file': (file) => writeFile(file, Buffer.alloc(20_000, 7)),
      'is too short': (file) => writeFile(file, 'abc'),
      'has another LMDB data version': async (file) => {
        const bytes = await readFile(file);
        bytes[28] = 9;
        await writeFile(file, bytes);
      },
      'is cut short inside its meta pages': (file) => truncate(file, 5000),
    };
    for (const [problem, damage] of Object.entries(damaged)) {
      it(`refuses a data.mdb that ${problem} with JOURNAL_CORRUPT (lmdb-js would crash)`, async () => {
        await committed(1);
        await damage(join(dir, 'data.mdb'));
        const error = await failure(() => LmdbJournalStore.open({ path: dir }));
        expect(error).to.be.instanceOf(JournalCorruptError);
        expect((error as SluiceError).code).to.equal(ErrorCode.JournalCorrupt);
        expect((error as Error).message).to.contain(join(dir, 'data.mdb'));
      });
    }

    it('refuses an environment written in another store format with CONFIG', async () => {
      await committed(1);
      await tamper(dir, (env) => env.openDB('store', {}).putSync('format', 99));
      const error = await failure(() => LmdbJournalStore.open({ path: dir }));
      expect(error).to.be.instanceOf(SluiceError);
      expect((error as SluiceError).code).to.equal(ErrorCode.Config);
      expect((error as Error).message).to.contain('format 99');
    });

    it('opens an empty directory holding other files', async () => {
      await mkdir(join(dir, 'effects'));
      store = LmdbJournalStore.open({ path: dir });
      expect(await store.journals()).to.deep.equal([]);
    });
  });

  describe('killed while committing', () => {
    const script = fileURLToPath(new URL('./support/lmdb-commit-loop.ts', import.meta.url));

    for (const durability of DURABILITIES) {
      it(`keeps whole batches and every acknowledged one (${durability})`, async () => {
        const acked = await runAndKill(script, dir, durability, 40);
        store = LmdbJournalStore.open({ path: dir });
        for (const [journal, lastAcked] of acked) {
          const lastSeq = await store.lastSeq(journal);
          expect(lastSeq % 10, `${journal} ends inside a batch`).to.equal(0);
          const batches = lastSeq / 10;
          expect(batches - 1, `${journal} lost an acknowledged batch`).to.be.at.least(lastAcked);
          const all = await store.read(journal, 0, lastSeq + 1); // throws on a gap
          expect(all.map((r) => r.seq)).to.deep.equal(all.map((_, i) => i + 1));
          const perBatch = new Map<number, number>();
          for (const record of all) {
            const { batch } = record.payload as { batch: number };
            perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
          }
          expect([...perBatch.keys()]).to.deep.equal([...Array(batches).keys()]);
          expect([...perBatch.values()].every((count) => count === 10)).to.equal(true);
          expect(await store.cursor(journal, 'up')).to.equal(batches - 1);
          expect(await store.loadState(journal)).to.deep.equal({ batch: batches - 1 });
          expect((await store.stats(journal)).data).to.equal(lastSeq);
        }
      });
    }
  });
});

/**
 * Starts the commit loop in a child process, SIGKILLs it once it acknowledged `minAcks` commits,
 * and returns the last acknowledged batch per journal.
 */
async function runAndKill(
  script: string,
  dir: string,
  durability: LmdbDurability,
  minAcks: number,
): Promise<Map<string, number>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', script, dir, durability],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const acked = new Map<string, number>();
  let count = 0;
  let buffered = '';
  const enough = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [journal, batch] = line.split(' ');
        if (journal === undefined || batch === undefined) continue;
        acked.set(journal, Number(batch));
        count += 1;
      }
      if (count >= minAcks) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`commit loop exited early (code ${String(code)})`)),
    );
  });
  try {
    await enough;
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
  return acked;
}
