import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { flow, lookup, sink, source, streamJoin, windowJoin, type SinkHandler } from '@sluice/core';
import { createTestKit, testSource, type TestKit } from '@sluice/adapters/testing';
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

  it('a stream join, an interval join, a window join and a lookup killed at random points and restarted: every pair exactly once', async () => {
    const dataDir = join(dir, 'data');
    const out = join(dir, 'out');
    const args = ['run', fixture('join-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_OUT: out, FIXTURE_PEOPLE: String(PEOPLE) }, timeoutMs: 120_000 };
    const expected = expectedPairs(PEOPLE);
    let kills = 0;
    let stateSeen = 0;
    let nearSeen = 0;
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
      nearSeen = Math.max(nearSeen, await withStore(dataDir, (store) => store.countKeyed('near')));
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(kills, 'the flow was killed mid-run').to.be.greaterThan(0);
    expect(lines(join(out, 'q3.jsonl'))).to.deep.equal(expected.q3);
    expect(lines(join(out, 'near.jsonl'))).to.deep.equal(expected.near);
    expect(lines(join(out, 'q8.jsonl'))).to.deep.equal(expected.q8);
    expect(lines(join(out, 'cat.jsonl'))).to.deep.equal(expected.cat);
    expect(lines(join(out, 'late.jsonl')), 'in-order sources: nothing late').to.deep.equal([]);
    expect(stateSeen, 'window buffers were held when killed').to.be.greaterThan(0);
    expect(nearSeen, 'interval-join state was held when killed').to.be.greaterThan(0);
    const after = await withStore(dataDir, async (store) => ({ q8: await store.countKeyed('q8'), q3: await store.countKeyed('q3'), cat: await store.countKeyed('cat'), near: await store.countKeyed('near') }));
    // The window join's state is gone at the end; the stream join keeps both sides (a count and a
    // chunk per side and key: every person, every seller); the lookup its table.
    const { near, ...rest } = after;
    const sellers = new Set(expected.q3.map((l) => (JSON.parse(l) as { p: number }).p)).size;
    expect(rest).to.deep.equal({ q8: 0, q3: 2 * (PEOPLE + sellers), cat: 10 });
    // The watermark deleted all but the last records of the interval join (and their index entries).
    expect(near, 'the interval join keeps only what could still pair').to.be.below(PEOPLE / 4);
  });
});

/** A sink that drops what it gets (the kit reads the journals). */
const drop = <T>(): SinkHandler<T, number> => ({ open: () => ({ write: () => 0 }) });

interface P {
  readonly id: number;
  readonly t: number;
}
interface A {
  readonly id: number;
  readonly seller: number;
  readonly t: number;
}

describe('joins through the test kit on LMDB: crash after a commit, restart', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    kit = undefined;
  });

  it('stream join: every pair once, the stored sides read back after the crash', async () => {
    const people = testSource<P>();
    const auctions = testSource<A>();
    const q3 = streamJoin('q3', source('people', people), source('auctions', auctions), { leftKey: (p) => p.id, rightKey: (a) => a.seller, combine: (p, a) => `${String(p.id)}:${String(a.id)}` });
    kit = createTestKit(flow('q3', [sink('out', q3, drop())]), { store: 'lmdb', batchSize: 2 });
    auctions.push(...Array.from({ length: 6 }, (_, i) => ({ id: i, seller: i % 3, t: 0 })));
    people.push({ id: 0, t: 0 }, { id: 1, t: 0 });
    kit.crashAfter('q3', 2);
    await kit.until(() => kit?.crashed ?? false);
    await kit.settle();
    await kit.restart();
    people.push({ id: 2, t: 0 });
    auctions.push({ id: 6, seller: 2, t: 0 }, { id: 7, seller: 0, t: 0 });
    people.end();
    auctions.end();
    expect((await kit.done).state).to.equal('completed');
    const pairs = await kit.journal<string>('q3');
    expect([...pairs].sort()).to.deep.equal(['0:0', '0:3', '0:7', '1:1', '1:4', '2:2', '2:5', '2:6']);
  });

  it('lookup: a crash mid-load and one mid-stream, every record enriched once', async () => {
    const orders = testSource<{ id: number; sku: number }>();
    const rows = testSource<{ sku: number; price: number }>();
    const priced = lookup('price', source('orders', orders), source('rows', rows), { mode: 'strict', key: (o) => o.sku, referenceKey: (r) => r.sku, combine: (o, r) => ({ id: o.id, price: r.price }) });
    kit = createTestKit(flow('lookup', [sink('out', priced, drop())]), { store: 'lmdb', batchSize: 2 });
    orders.push(...Array.from({ length: 8 }, (_, id) => ({ id, sku: id % 5 })));
    orders.end();
    rows.push(...Array.from({ length: 4 }, (_, sku) => ({ sku, price: sku * 10 })));
    kit.crashAfter('price', 1);
    await kit.until(() => kit?.crashed ?? false);
    await kit.settle();
    expect(await kit.journal('price'), 'nothing enriched while loading').to.deep.equal([]);
    await kit.restart();
    rows.end();
    kit.crashAfter('price', 3);
    await kit.until(() => kit?.crashed ?? false);
    await kit.settle();
    await kit.restart();
    expect((await kit.done).state).to.equal('completed');
    const enriched = await kit.journal<{ id: number; price: number }>('price');
    expect(enriched).to.deep.equal([0, 1, 2, 3, 5, 6, 7].map((id) => ({ id, price: (id % 5) * 10 })));
    expect((await kit.errors('price')).map((e) => e.message)).to.deep.equal(['lookup "price": no reference row for key "4"']);
  });

  it('window join: a crash keeps the open windows\' buffers and the watermark; a record for a closed window goes to .late', async () => {
    const people = testSource<P>();
    const auctions = testSource<A>();
    const q8 = windowJoin('q8', source('people', people, { eventTime: { of: (p) => p.t } }), source('auctions', auctions, { eventTime: { of: (a) => a.t } }), {
      leftKey: (p) => p.id,
      rightKey: (a) => a.seller,
      windowMs: 10_000,
      combine: (p, a, w) => `${String(p.id)}:${String(a.id)}@${String(w.start)}`,
    });
    kit = createTestKit(flow('q8', [sink('out', q8, drop()), sink('late', q8.late, drop())]), { store: 'lmdb', batchSize: 2 });
    people.push({ id: 1, t: 1000 }, { id: 2, t: 2000 }, { id: 3, t: 12_000 });
    auctions.push({ id: 10, seller: 1, t: 1500 }, { id: 11, seller: 3, t: 11_000 });
    await kit.until(async () => (await kit?.journal('q8'))?.length === 2);
    kit.crashAfter('q8', 1);
    auctions.push({ id: 12, seller: 3, t: 13_000 });
    await kit.until(() => kit?.crashed ?? false);
    await kit.settle();
    await kit.restart();
    people.push({ id: 4, t: 25_000 });
    auctions.push({ id: 13, seller: 2, t: 5000 }, { id: 14, seller: 4, t: 26_000 });
    people.end();
    auctions.end();
    expect((await kit.done).state).to.equal('completed');
    const records = (await kit.records('q8')).filter((r) => r.kind === 'data');
    expect(records.filter((r) => r.port === 0).map((r) => r.payload)).to.deep.equal(['1:10@0', '3:11@10000', '3:12@10000', '4:14@20000']);
    expect(records.filter((r) => r.port === 1).map((r) => r.payload), 'seller 2\'s window had closed').to.deep.equal([{ id: 13, seller: 2, t: 5000 }]);
  });
});
