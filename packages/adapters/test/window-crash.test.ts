import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { flow, session, sink, source, tumbling, window, type Flow, type JournalRecord, type SinkHandler } from '@sluice/core';
import { arraySource } from '@sluice/adapters';
import { createTestKit, type TestKit } from '@sluice/adapters/testing';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';
import type { Bid } from './fixtures/window-flow.ts';

const COUNT = 20_000;
const OUT_OF_ORDER_MS = 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seeded bids, 10 ms apart; one in 50 up to 15 s early, so some come after all their windows closed: late. */
function bids(count: number): Bid[] {
  let seed = 12;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => ({
    auction: Math.floor(next() ** 2 * 40),
    bidder: Math.floor(next() * 300),
    price: 1 + Math.floor(next() * 1000),
    dateTime: 1_700_000_000_000 + i * 10 - (next() < 0.02 ? Math.floor(next() * 15_000) : 0),
  }));
}

interface Open<A> {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  acc: A;
}

/**
 * The windows computed the plain way, one record at a time: before each record, close the
 * windows its watermark passed; a record whose windows are all closed is late; at the end,
 * close the rest. Results in (end, key, start) order, as the stage emits them.
 */
function reference<A>(
  values: readonly Bid[],
  key: (b: Bid) => number,
  assign: (bid: Bid, open: Open<A>[], closed: (end: number) => boolean) => Open<A>[] | undefined,
): { results: Open<A>[]; late: Bid[] } {
  let open: Open<A>[] = [];
  const results: Open<A>[] = [];
  const late: Bid[] = [];
  let highest = -Infinity;
  const close = (bound: number): void => {
    const done = open.filter((w) => w.end <= bound).sort((a, b) => a.end - b.end || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.start - b.start);
    results.push(...done);
    open = open.filter((w) => w.end > bound);
  };
  for (const bid of values) {
    const watermark = highest - OUT_OF_ORDER_MS;
    close(watermark);
    const k = String(key(bid));
    const kept = assign(bid, open.filter((w) => w.key === k), (end) => end <= watermark);
    if (kept === undefined) late.push(bid);
    else open = [...open.filter((w) => w.key !== k), ...kept.map((w) => ({ ...w, key: k }))];
    highest = Math.max(highest, bid.dateTime);
  }
  close(Infinity);
  return { results, late };
}

/** Sliding 10 s / 2 s per auction: bid count and volume. */
function slidingReference(values: readonly Bid[]): { rows: unknown[]; late: Bid[] } {
  const { results, late } = reference<{ bids: number; volume: number }>(values, (b) => b.auction, (bid, open, closed) => {
    const time = bid.dateTime;
    const starts: number[] = [];
    for (let start = time - (time % 2000); start > time - 10_000; start -= 2000) starts.push(start);
    const live = starts.filter((start) => !closed(start + 10_000));
    if (live.length === 0) return undefined;
    const next = open.map((w) => ({ ...w }));
    for (const start of live) {
      const found = next.find((w) => w.start === start);
      if (found === undefined) next.push({ key: '', start, end: start + 10_000, acc: { bids: 1, volume: bid.price } });
      else found.acc = { bids: found.acc.bids + 1, volume: found.acc.volume + bid.price };
    }
    return next;
  });
  return { rows: results.map((w) => ({ auction: Number(w.key), start: w.start, end: w.end, ...w.acc })), late };
}

/** Sessions with a 3 s gap per bidder: bid count; sessions that overlap or touch merge. */
function sessionReference(values: readonly Bid[]): { rows: unknown[]; late: Bid[] } {
  const { results, late } = reference<number>(values, (b) => b.bidder, (bid, open, closed) => {
    const fresh = { key: '', start: bid.dateTime, end: bid.dateTime + 3000, acc: 1 };
    const touching = open.filter((w) => !closed(w.end) && w.start <= fresh.end && fresh.start <= w.end);
    if (touching.length === 0 && closed(fresh.end)) return undefined;
    const merged = {
      key: '',
      start: Math.min(fresh.start, ...touching.map((w) => w.start)),
      end: Math.max(fresh.end, ...touching.map((w) => w.end)),
      acc: touching.reduce((n, w) => n + w.acc, 1),
    };
    return [...open.filter((w) => !touching.includes(w)), merged];
  });
  return { rows: results.map((w) => ({ bidder: Number(w.key), start: w.start, end: w.end, bids: w.acc })), late };
}

const lines = (file: string): unknown[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as unknown) : [];

describe('window stage under SIGKILL (child processes, LMDB)', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-window-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sliding and session windows killed mid-run and restarted: the result rows and late records of an in-memory computation, every window exactly once', async () => {
    const values = bids(COUNT);
    const input = join(dir, 'bids.jsonl');
    writeFileSync(input, values.map((b) => JSON.stringify(b)).join('\n') + '\n');
    const out = join(dir, 'out');
    mkdirSync(out);
    const dataDir = join(dir, 'data');
    const args = ['run', fixture('window-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_IN: input, FIXTURE_OUT: out }, timeoutMs: 120_000 };
    const auctions = join(out, 'auctions.jsonl');
    let kills = 0;
    let open = 0;
    for (let i = 0; i < 4; i++) {
      const before = lines(auctions).length;
      const child = startSluice(args, options);
      // Kill once more windows have closed: others are open in the store.
      const until = Date.now() + 60_000;
      while (lines(auctions).length < before + 300 + Math.floor(Math.random() * 600) && Date.now() < until && child.child.exitCode === null) await sleep(5);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
      open = Math.max(open, await withStore(dataDir, (store) => store.countKeyed('per-auction')));
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(kills, 'killed at least twice mid-run').to.be.at.least(2);
    expect(open, 'windows were open in the store when killed').to.be.greaterThan(0);
    console.log(`      (${String(kills)} SIGKILLs)`);

    const slid = slidingReference(values);
    expect(slid.late.length, 'the input has late bids').to.be.greaterThan(0);
    console.log(`      (${String(slid.rows.length)} sliding windows, ${String(slid.late.length)} late bids)`);
    expect(lines(auctions)).to.deep.equal(slid.rows);
    expect(lines(join(out, 'auctions-late.jsonl'))).to.deep.equal(slid.late);
    const sessions = sessionReference(values);
    expect(lines(join(out, 'sessions.jsonl'))).to.deep.equal(sessions.rows);
    expect(lines(join(out, 'sessions-late.jsonl'))).to.deep.equal(sessions.late);
    const left = await withStore(dataDir, async (store) => [await store.countKeyed('per-auction'), await store.countKeyed('per-bidder')]);
    expect(left, 'no window state left after EOF').to.deep.equal([0, 0]);
  });
});

describe('window stage on LMDB through the test kit', () => {
  let kit: TestKit | undefined;
  afterEach(async () => kit?.cleanup());

  /** Tumbling 10 ms counts per auction and sessions per bidder over `values`; late bids on `.late`. */
  function windows(values: readonly Bid[]): Flow {
    const bids = source('bids', arraySource([...values]), { eventTime: { of: (b) => b.dateTime, outOfOrdernessMs: 5 } });
    const counts = window('counts', bids, { key: (b) => b.auction, windows: tumbling(10), aggregate: { init: () => 0, add: (n: number) => n + 1 } });
    const sessions = window('sessions', bids, { key: (b) => b.bidder, windows: session(4), aggregate: { init: () => 0, add: (n: number) => n + 1, merge: (a, b) => a + b } });
    const drop: SinkHandler<unknown, number> = { open: () => ({ write: () => 0 }) };
    return flow('kit-windows', [sink('counts-out', counts, drop), sink('counts-late', counts.late, drop), sink('sessions-out', sessions, drop), sink('sessions-late', sessions.late, drop)]);
  }

  const small = (n: number): Bid[] =>
    Array.from({ length: n }, (_, i) => ({ auction: i % 3, bidder: i % 4, price: i, dateTime: 100 + i * 2 - (i % 9 === 8 ? 25 : 0) }));

  /**
   * What the window stages journaled, per lane: results (with their event time), late records
   * and errors, each in journal order (how they interleave depends on batch bounds).
   */
  async function journaled(at: TestKit): Promise<{ counts: unknown[][]; sessions: unknown[][] }> {
    const lanes = (records: readonly JournalRecord[]): unknown[][] => [
      records.filter((r) => r.kind === 'data' && r.port === 0).map((r) => [r.time, r.payload]),
      records.filter((r) => r.kind === 'data' && r.port === 1).map((r) => r.payload),
      records.filter((r) => r.kind === 'error').map((r) => r.payload),
    ];
    return { counts: lanes(await at.records('counts')), sessions: lanes(await at.records('sessions')) };
  }

  it('the same results and late records with a crash after any of the first batches as without one', async () => {
    const values = small(60);
    kit = createTestKit(windows(values), { store: 'lmdb', batchSize: 4 });
    expect((await kit.done).state).to.equal('completed');
    const expected = await journaled(kit);
    await kit.cleanup();
    const [results = [], late = [], errors = []] = expected.counts;
    expect(results.length, 'results').to.be.greaterThan(10);
    expect(late.length, 'late records').to.be.greaterThan(2);
    expect(errors).to.deep.equal([]);
    expect(expected.sessions[1]?.length, 'late for their sessions').to.be.greaterThan(0);
    for (const after of [1, 3, 6]) {
      kit = createTestKit(windows(values), { store: 'lmdb', batchSize: 4 });
      kit.crashAfter('counts', after);
      kit.crashAfter('sessions', after + 1);
      await kit.until(() => kit?.crashed ?? true);
      await kit.restart();
      expect((await kit.done).state).to.equal('completed');
      const got = await journaled(kit);
      expect(got.counts, `crash after ${String(after)}`).to.deep.equal(expected.counts);
      expect(got.sessions, `crash after ${String(after)}`).to.deep.equal(expected.sessions);
      await kit.cleanup();
      kit = undefined;
    }
  });
});
