import assert from 'node:assert/strict';
import type { JournalStore } from '../store.ts';
import { batch, data, failure } from './contract-support.ts';

/** What the keyed-state tests need from the suite that registers them. */
export interface KeyedStateTests {
  /** Registers a test that runs on a fresh store. */
  readonly it: (title: string, body: () => Promise<void>) => void;
  /** The test's store (a reopen replaces it). */
  readonly store: () => JournalStore;
  /** Closes and reopens the test's store; undefined for a store that keeps nothing. */
  readonly reopen: (() => Promise<JournalStore>) | undefined;
}

const keys = (entries: readonly { key: string }[]): string[] => entries.map((e) => e.key);

/** Registers the keyed-state part of the JournalStore contract. */
export function keyedStateContract({ it, store, reopen }: KeyedStateTests): void {
  it('keyed state: puts, replaces and deletes per key, in the commit, counted', async () => {
    await store().commit(batch('s', [data(1)], { keyed: [{ key: 'b', value: 1 }, { key: 'a', value: { n: 2 } }, { key: 'c', value: 3 }] }));
    assert.deepEqual(await store().getKeyed('s', 'a'), { n: 2 });
    assert.equal(await store().getKeyed('s', 'zz'), undefined);
    assert.equal(await store().countKeyed('s'), 3);
    await store().commit(batch('s', [], { keyed: [{ key: 'b', value: 10 }, { key: 'c' }, { key: 'c', value: 30 }, { key: 'a' }, { key: 'gone' }] }));
    assert.equal(await store().getKeyed('s', 'b'), 10);
    assert.equal(await store().getKeyed('s', 'a'), undefined);
    assert.equal(await store().getKeyed('s', 'c'), 30, 'a later change to a key wins');
    assert.equal(await store().countKeyed('s'), 2);
    assert.equal(await store().countKeyed('other'), 0);
    assert.equal(await store().getKeyed('other', 'b'), undefined, 'stages have their own keys');
    assert.deepEqual(await store().getKeyedMany('s', ['c', 'a', 'b', 'c']), [30, undefined, 10, 30], 'many at once, in their order');
    assert.deepEqual(await store().getKeyedMany('s', []), []);
  });

  it('keyed state: scans in key order (by code point), after and before exclusive, up to a limit', async () => {
    const all = ['', '0002', '0010', 'a', 'a\u0001', 'ab', 'b', 'é', '\u{1F600}', '\uFFFD'];
    await store().commit(batch('s', [], { keyed: [...all].reverse().map((key, i) => ({ key, value: i })) }));
    await store().commit(batch('s2', [], { keyed: [{ key: '', value: 'other stage' }] }));
    const sorted = ['', '0002', '0010', 'a', 'a\u0001', 'ab', 'b', 'é', '\uFFFD', '\u{1F600}'];
    assert.deepEqual(keys(await store().scanKeyed('s', { limit: 100 })), sorted);
    assert.deepEqual(keys(await store().scanKeyed('s', { limit: 3 })), sorted.slice(0, 3));
    assert.deepEqual(keys(await store().scanKeyed('s', { after: 'a', limit: 2 })), ['a\u0001', 'ab']);
    assert.deepEqual(keys(await store().scanKeyed('s', { after: '0003', before: 'ab', limit: 100 })), ['0010', 'a', 'a\u0001']);
    assert.deepEqual(keys(await store().scanKeyed('s', { before: '0010', limit: 100 })), ['', '0002']);
    assert.deepEqual(keys(await store().scanKeyed('s', { after: '\u{1F600}', limit: 100 })), []);
    assert.deepEqual(await store().scanKeyed('s2', { limit: 100 }), [{ key: '', value: 'other stage' }]);
  });

  it('keyed state: a commit that cannot be stored changes no key', async () => {
    await store().commit(batch('s', [], { keyed: [{ key: 'a', value: 1 }] }));
    const error = await failure(() => store().commit(batch('s', [data(1)], { keyed: [{ key: 'a', value: 2 }, { key: 'b', value: Symbol('no') }] })));
    assert.ok(error instanceof Error);
    assert.equal(await store().getKeyed('s', 'a'), 1);
    assert.equal(await store().countKeyed('s'), 1);
    const bad = await failure(() => store().commit(batch('s', [], { keyed: [{ key: 'x\u0000y', value: 1 }] })));
    assert.match(String(bad), /U\+0000/);
    assert.equal(await store().lastSeq('s'), 0);
  });

  it('keyed state: values read are copies', async () => {
    const value = { list: [1] };
    await store().commit(batch('s', [], { keyed: [{ key: 'k', value }] }));
    value.list.push(2);
    const read = (await store().getKeyed('s', 'k')) as { list: number[] };
    read.list.push(3);
    assert.deepEqual(await store().getKeyed('s', 'k'), { list: [1] });
  });

  if (reopen !== undefined) {
    it('keyed state: kept across close and reopen (durable stores)', async () => {
      await store().commit(batch('s', [], { keyed: [{ key: 'b', value: 2 }, { key: 'a', value: 1 }] }));
      const reopened = await reopen();
      assert.deepEqual(await reopened.scanKeyed('s', { limit: 10 }), [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
      assert.equal(await reopened.countKeyed('s'), 2);
    });
  }
}
