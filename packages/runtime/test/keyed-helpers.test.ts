import { expect } from 'chai';
import {
  count,
  createMemoryJournalStore,
  dedupe,
  flow,
  groupBy,
  reduce,
  sink,
  source,
  topN,
  type Aggregated,
  type Counted,
  type JournalStore,
  type Ranking,
  type StageRef,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

interface Click {
  readonly user: string;
  readonly page: string;
  readonly ms: number;
}

const pages = ['home', 'docs', 'blog', 'docs', 'home', 'docs', 'about', 'blog', 'docs', 'home'];
const clicks: Click[] = pages.map((page, i) => ({ user: `u${String(i % 3)}`, page, ms: i * 10 }));

/** Runs `out` to its end on `store` and returns what reached the sink. */
async function drain<T>(out: StageRef<T>, store: JournalStore = createMemoryJournalStore()): Promise<T[]> {
  const into: T[] = [];
  await run(flow('helpers', [sink('sink', out, collect(into))]), { store });
  return into;
}

/** Reference: per-key counts in key order. */
function countsOf(values: readonly string[]): Counted[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => ({ key, count: n }));
}

describe('keyed helpers', () => {
  describe('count', () => {
    it("emits {key, count} on every change by default", async () => {
      const out = await drain(count('clicks', source('in', items(clicks), { batchSize: 3 }), (c) => c.page, { batchSize: 4 }));
      expect(out).to.have.length(clicks.length);
      expect(out.slice(0, 4)).to.deep.equal([
        { key: 'home', count: 1 },
        { key: 'docs', count: 1 },
        { key: 'blog', count: 1 },
        { key: 'docs', count: 2 },
      ]);
    });

    it("emits each key's final count once at EOF, in key order, with emit: 'eof'", async () => {
      const out = await drain(count('clicks', source('in', items(clicks), { batchSize: 3 }), (c) => c.page, { emit: 'eof', batchSize: 4 }));
      expect(out).to.deep.equal(countsOf(pages));
    });

    it('emits every N records of a key, and at EOF the keys whose latest count was not emitted', async () => {
      const out = await drain(count('clicks', source('in', items(clicks)), (c) => c.page, { emit: { every: 2 } }));
      // docs reaches 2 and 4; home reaches 2 (its 3rd is flushed at EOF); blog 2; about 1 at EOF.
      expect(out).to.deep.equal([
        { key: 'docs', count: 2 },
        { key: 'home', count: 2 },
        { key: 'blog', count: 2 },
        { key: 'docs', count: 4 },
        { key: 'about', count: 1 },
        { key: 'home', count: 3 },
      ]);
    });
  });

  describe('groupBy().aggregate', () => {
    it('folds with init/add and presents result(acc) as {key, value}', async () => {
      const per = groupBy('per-user', source('in', items(clicks)), (c) => c.user).aggregate(
        { init: () => ({ n: 0, sum: 0 }), add: (a, c) => ({ n: a.n + 1, sum: a.sum + c.ms }), result: (a) => a.sum / a.n },
        { emit: 'eof' },
      );
      const out: Aggregated<number>[] = await drain(per);
      expect(out).to.deep.equal([
        { key: 'u0', value: (0 + 30 + 60 + 90) / 4 },
        { key: 'u1', value: (10 + 40 + 70) / 3 },
        { key: 'u2', value: (20 + 50 + 80) / 3 },
      ]);
    });

    it("with emit: 'change' emits only when a key's result changed", async () => {
      const distinct = groupBy('pages-per-user', source('in', items(clicks)), (c) => c.user).aggregate({
        init: (): string[] => [],
        // A new array each time: equal to the last one when the page was seen already.
        add: (seen, c) => [...new Set([...seen, c.page])].sort(),
      });
      const out = await drain(distinct);
      const reference: Aggregated<string[]>[] = [];
      const seen = new Map<string, string[]>();
      for (const c of clicks) {
        const before = seen.get(c.user) ?? [];
        if (before.includes(c.page) && seen.has(c.user)) continue;
        const after = before.includes(c.page) ? before : [...before, c.page].sort();
        seen.set(c.user, after);
        reference.push({ key: c.user, value: after });
      }
      expect(out).to.deep.equal(reference);
      expect(out.length).to.be.below(clicks.length);
    });

    it('sends a record whose key or add throws to the error lane; the key keeps its state', async () => {
      const store = createMemoryJournalStore();
      const values = [1, 2, -1, 3, 0, 4];
      const sums = groupBy('sums', source('in', items(values)), (n) => {
        if (n === 0) throw new Error('no key for 0');
        return n % 2 === 0 ? 'even' : 'odd';
      }).aggregate({
        init: () => 0,
        add: (sum, n) => {
          if (n < 0) throw new Error('negative');
          return sum + n;
        },
      }, { emit: 'eof' });
      const out = await drain(sums, store);
      expect(out).to.deep.equal([{ key: 'even', value: 6 }, { key: 'odd', value: 4 }]);
      const errors = (await store.read('sums', 0, 20)).filter((r) => r.kind === 'error').map((r) => (r.payload as { message: string }).message);
      expect(errors).to.deep.equal(['no key for 0', 'negative']);
    });
  });

  describe('reduce', () => {
    interface Bid {
      readonly auction: string;
      readonly price: number;
    }
    const bids: Bid[] = [
      { auction: 'a', price: 5 },
      { auction: 'b', price: 7 },
      { auction: 'a', price: 3 },
      { auction: 'a', price: 9 },
      { auction: 'b', price: 7 },
      { auction: 'b', price: 8 },
    ];
    const max = (a: Bid, b: Bid): Bid => (b.price > a.price ? b : a);

    it("keeps the reduced value per key; 'change' skips a record that left it as it was", async () => {
      const out = await drain(reduce('max', source('in', items(bids)), (b) => b.auction, max));
      expect(out).to.deep.equal([
        { key: 'a', value: { auction: 'a', price: 5 } },
        { key: 'b', value: { auction: 'b', price: 7 } },
        { key: 'a', value: { auction: 'a', price: 9 } },
        { key: 'b', value: { auction: 'b', price: 8 } },
      ]);
    });

    it("emits the final reduction per key with emit: 'eof'", async () => {
      const out = await drain(reduce('max', source('in', items(bids)), (b) => b.auction, max, { emit: 'eof' }));
      expect(out).to.deep.equal([
        { key: 'a', value: { auction: 'a', price: 9 } },
        { key: 'b', value: { auction: 'b', price: 8 } },
      ]);
    });
  });

  describe('topN', () => {
    it('emits the top N keys by count as a ranked list (count descending, then key), on change', async () => {
      const out: Ranking[] = await drain(topN('top-pages', source('in', items(clicks)), (c) => c.page, 2));
      expect(out.at(-1)).to.deep.equal({ top: [{ key: 'docs', count: 4 }, { key: 'home', count: 3 }] });
      expect(out[0]).to.deep.equal({ top: [{ key: 'home', count: 1 }] });
      // Each emitted ranking differs from the one before it.
      for (let i = 1; i < out.length; i++) expect(out[i]).to.not.deep.equal(out[i - 1]);
    });

    it("emits one final ranking at EOF with emit: 'eof', matching a sort of all counts", async () => {
      const many = Array.from({ length: 500 }, (_, i) => `p${String((i * 7919) % 37 % (1 + (i % 11)))}`);
      const out = await drain(topN('top', source('in', items(many), { batchSize: 50 }), (p) => p, 5, { emit: 'eof' }));
      const expected = countsOf(many).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)).slice(0, 5);
      expect(out).to.deep.equal([{ top: expected }]);
    });
  });

  describe('dedupe', () => {
    interface Msg {
      readonly id: string;
      readonly t: number;
    }

    it('drops a repeat of a key within `within` ms of event time and passes it again after', async () => {
      const msgs: Msg[] = [
        { id: 'a', t: 1_000 },
        { id: 'b', t: 1_500 },
        { id: 'a', t: 30_000 },
        { id: 'a', t: 60_999 },
        { id: 'a', t: 61_000 },
        { id: 'b', t: 70_000 },
        { id: 'a', t: 61_500 },
      ];
      const events = source('in', items(msgs), { eventTime: { of: (m: Msg) => m.t } });
      const store = createMemoryJournalStore();
      const out = await drain(dedupe('once', events, (m) => m.id, { within: 60_000 }), store);
      expect(out).to.deep.equal([msgs[0], msgs[1], msgs[4], msgs[5]]);
      // An expired key's entry is replaced by the record that passed again, not added to; each
      // key has one entry in the expiry index (keys starting with U+0001).
      const entries = await store.scanKeyed('once', { limit: 100 });
      expect(entries.filter((e) => !e.key.startsWith('\u0001')).map((e) => e.key)).to.deep.equal(['a', 'b']);
      expect(entries.filter((e) => e.key.startsWith('\u0001'))).to.have.length(2);
      expect(await store.getKeyed('once', 'a')).to.deep.equal({ t: 61_000 });
    });

    it("uses the record's `at` where records carry no event time", async () => {
      const out = await drain(dedupe('once', source('in', items(['x', 'y', 'x', 'x'])), (v) => v, { within: 60_000 }));
      expect(out).to.deep.equal(['x', 'y']);
    });
  });

  describe('across a stop and a restart', () => {
    it('count and topN continue from their committed key states: nothing counted twice or lost', async () => {
      const store = createMemoryJournalStore();
      let next = 0;
      let open = 5;
      const src = () => live(() => (next < open ? [clicks[next++] as Click] : []), () => next >= clicks.length);
      const make = (counts: Counted[], tops: Ranking[]) => {
        const events = source('in', src());
        return flow('helpers', [
          sink('counts', count('clicks', events, (c) => c.page), collect(counts)),
          sink('tops', topN('top', events, (c) => c.page, 3, { emit: 'eof' }), collect(tops)),
        ]);
      };
      const counts: Counted[] = [];
      const tops: Ranking[] = [];
      const handle = run(make(counts, tops), { store });
      while (counts.length < open) await new Promise((resolve) => setImmediate(resolve));
      await handle.stop('graceful');
      expect(tops, 'no ranking before the end').to.deep.equal([]);
      open = clicks.length;
      await run(make(counts, tops), { store });
      expect(counts).to.have.length(clicks.length);
      const last = new Map(counts.map((c) => [c.key, c.count]));
      expect([...last].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => ({ key, count: n }))).to.deep.equal(countsOf(pages));
      expect(tops).to.deep.equal([{ top: [{ key: 'docs', count: 4 }, { key: 'home', count: 3 }, { key: 'blog', count: 2 }] }]);
    });

    it('{ every: n } keeps each key\'s rhythm across a restart, and dedupe its seen keys', async () => {
      const store = createMemoryJournalStore();
      const ids = ['a', 'b', 'a', 'c', 'a', 'b', 'a', 'c', 'a', 'd'];
      let next = 0;
      let open = 4;
      const src = () => live(() => (next < open ? [clicks[next++] as Click] : []), () => next >= clicks.length);
      const make = (counts: Counted[], once: Click[]) => {
        const events = source('in', src());
        return flow('helpers', [
          sink('counts', count('clicks', events, (c) => c.page, { emit: { every: 2 } }), collect(counts)),
          sink('firsts', dedupe('once', events, (c) => ids[c.ms / 10] ?? '', { within: 3_600_000 }), collect(once)),
        ]);
      };
      const counts: Counted[] = [];
      const once: Click[] = [];
      const handle = run(make(counts, once), { store });
      while (once.length < 3) await new Promise((resolve) => setImmediate(resolve));
      await handle.stop('graceful');
      expect(next, 'stopped mid-run').to.equal(4);
      open = clicks.length;
      await run(make(counts, once), { store });
      const straight = await drain(count('clicks', source('in', items(clicks)), (c) => c.page, { emit: { every: 2 } }));
      expect(counts).to.deep.equal(straight);
      expect(once.map((c) => ids[c.ms / 10])).to.deep.equal(['a', 'b', 'c', 'd']);
    });
  });
});
