import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SimulatedClock, delay, flow, sink, source, type JournalStore, type KeyedRange, type SinkHandler } from '@sluice/core';
import { run } from '@sluice/runtime';
import { LmdbJournalStore, arraySource } from '../src/index.ts';

const PENDING = 1_000_000;
/** Every this many inputs, one is due at once; the others are due tomorrow. */
const EVERY = 1000;
const BATCH = 2000;

/** The store, counting what the delay stage's scans and commits touch. */
function counting(inner: LmdbJournalStore): { store: JournalStore; most: { scanned: number; keyed: number; scans: number } } {
  const most = { scanned: 0, keyed: 0, scans: 0 };
  const store: JournalStore = {
    kind: inner.kind,
    lastSeq: (j) => inner.lastSeq(j),
    read: (j, after, limit) => inner.read(j, after, limit),
    cursor: (c, u) => inner.cursor(c, u),
    loadState: (s) => inner.loadState(s),
    commit: (batch) => {
      most.keyed = Math.max(most.keyed, batch.keyed?.length ?? 0);
      return inner.commit(batch);
    },
    getKeyed: (s, k) => inner.getKeyed(s, k),
    getKeyedMany: (s, k) => inner.getKeyedMany(s, k),
    scanKeyed: async (s, range: KeyedRange) => {
      const entries = await inner.scanKeyed(s, range);
      most.scans++;
      most.scanned = Math.max(most.scanned, entries.length);
      return entries;
    },
    countKeyed: (s) => inner.countKeyed(s),
    stats: (j) => inner.stats(j),
    journals: () => inner.journals(),
    readMeta: (k) => inner.readMeta(k),
    writeMeta: (k, v) => inner.writeMeta(k, v),
    subscribe: (l) => inner.subscribe(l),
    close: () => inner.close(),
  };
  return { store, most };
}

describe('delay holding a million pending records (LMDB)', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-delay-million-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fires the records that are due while a million wait, each batch touching at most a batch of keys', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const tomorrow = clock.now() + 86_400_000;
    const inputs = Array.from({ length: PENDING + PENDING / EVERY }, (_, i) => ({ n: i + 1, due: (i + 1) % (EVERY + 1) === 0 ? 0 : tomorrow }));
    const fired: number[] = [];
    const out: SinkHandler<{ n: number }, number> = { open: () => ({ write: (values) => fired.push(...values.map((v) => v.n)) }) };
    const lmdb = LmdbJournalStore.open({ path: dir, durability: 'may-lose-last-commits-on-power-loss' });
    const { store, most } = counting(lmdb);
    const held = delay('hold', source('in', arraySource(inputs)), { until: (v) => v.due }, { batchSize: BATCH });
    const handle = run(flow('million', [sink('out', held, out)]), { store, clock, batchSize: BATCH });
    const started = Date.now();
    while (fired.length < PENDING / EVERY && Date.now() - started < 240_000) await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = handle.stop('graceful');
    await stopping;
    const pending = await lmdb.countKeyed('hold');
    await lmdb.close();
    console.log(`      (${String(inputs.length)} inputs in ${String(Date.now() - started)} ms, ${String(most.scans)} scans)`);
    expect(fired, 'the due ones, in input order').to.deep.equal(inputs.filter((v) => v.due === 0).map((v) => v.n));
    expect(pending, 'the others wait').to.equal(PENDING);
    expect(most.scanned, 'a scan reads at most a batch, never the pending set').to.be.at.most(BATCH);
    expect(most.keyed, 'a commit writes at most a batch of keys').to.be.at.most(BATCH);
  });
});
