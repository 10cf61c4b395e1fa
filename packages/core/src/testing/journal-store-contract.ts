import assert from 'node:assert/strict';
import { ErrorCode, SluiceError, TerminalError } from '../errors.ts';
import type { Envelope } from '../record.ts';
import type { JournalStore } from '../store.ts';
import { batch, data, failure, reopenOf, settle, type ContractSubject } from './contract-support.ts';
import { keyedStateContract } from './keyed-state-contract.ts';

export type { ContractSubject } from './contract-support.ts';

/**
 * The test functions the suite registers with: mocha's globals, or `describe` and `it` from
 * `node:test`, or any runner's of the same shape. The suite itself asserts with `node:assert`,
 * so it brings no test framework with it.
 */
export interface ContractSuite {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
}

/** Options of {@link journalStoreContract}. */
export interface JournalStoreContractOptions {
  /** Names the suite: `JournalStore contract: <name>`. */
  readonly name: string;
  /** Opens a fresh, empty store for each test. */
  readonly open: () => Promise<ContractSubject>;
  /** Where the tests are registered. */
  readonly suite: ContractSuite;
  /** True for a store that keeps its data across close and reopen: adds the durability tests. */
  readonly durable?: boolean;
}

/**
 * Registers the behaviour every JournalStore must have: dense seqs, reads after a seq,
 * cursors, state, keyed state, stats, journal listing, meta, commit notifications, atomicity,
 * concurrent commits, closing, and (with `durable`) everything kept across close and reopen. Each test
 * opens its own subject and closes and cleans it up after, pass or fail.
 *
 * ```ts
 * import { describe, it } from 'node:test';
 * import { journalStoreContract } from '@sluice/core/testing';
 * journalStoreContract({ name: 'mine', suite: { describe, it }, open: async () => ({ store: await openMine(), cleanup: async () => {} }) });
 * ```
 */
export function journalStoreContract(options: JournalStoreContractOptions): void {
  const { open, suite, durable = false } = options;
  suite.describe(`JournalStore contract: ${options.name}`, () => {
    let subject: ContractSubject;
    let store: JournalStore;
    // Per test, as a beforeEach/afterEach pair would: a fresh subject, closed and cleaned after.
    const it = (title: string, body: () => Promise<void>): void => {
      suite.it(title, async () => {
        subject = await open();
        store = subject.store;
        try {
          await body();
        } finally {
          await store.close();
          await subject.cleanup();
        }
      });
    };

    it('starts empty', async () => {
      assert.equal(await store.lastSeq('a'), 0);
      assert.deepEqual(await store.read('a', 0, 10), []);
      assert.equal(await store.cursor('a', 'up'), 0);
      assert.equal(await store.loadState('a'), undefined);
      assert.deepEqual(await store.stats('a'), { data: 0, error: 0, eof: 0, control: 0 });
      assert.deepEqual(await store.journals(), []);
      assert.equal(await store.readMeta('k'), undefined);
    });

    it('assigns dense 1-based seqs across commits', async () => {
      assert.deepEqual(await store.commit(batch('a', [data(1), data(2), data(3)])), {
        firstSeq: 1,
        lastSeq: 3,
      });
      assert.deepEqual(await store.commit(batch('a', [data(4), data(5)])), {
        firstSeq: 4,
        lastSeq: 5,
      });
      assert.deepEqual(await store.commit(batch('a', [])), { firstSeq: 6, lastSeq: 5 });
      assert.deepEqual(await store.commit(batch('b', [data('x')])), {
        firstSeq: 1,
        lastSeq: 1,
      });
      assert.equal(await store.lastSeq('a'), 5);
      const records = await store.read('a', 0, 100);
      assert.deepEqual(records.map((r) => [r.seq, r.payload]), [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 5],
      ]);
    });

    it('reads up to limit records after a seq', async () => {
      await store.commit(batch('a', [1, 2, 3, 4, 5].map((n) => data(n))));
      assert.deepEqual((await store.read('a', 2, 2)).map((r) => r.seq), [3, 4]);
      assert.deepEqual((await store.read('a', 3, 100)).map((r) => r.seq), [4, 5]);
      assert.deepEqual(await store.read('a', 5, 10), []);
      assert.deepEqual(await store.read('a', 9, 10), []);
      assert.deepEqual(await store.read('a', 0, 0), []);
    });

    it('returns records equal to what was committed', async () => {
      const envelopes: Envelope[] = [
        {
          kind: 'data',
          at: 1,
          payload: {
            id: 7,
            name: 'ümlaut ✓',
            tags: ['x', 'y'],
            nested: { n: null, ok: true, f: 1.5 },
          },
        },
        { kind: 'data', at: 2, payload: 'text', cause: { stage: 'up', seq: 41 } },
        { kind: 'data', at: 3, payload: [1, 2, 3], cause: { stage: 'up', seq: 42 }, port: 1 },
        {
          kind: 'error',
          at: 4,
          payload: { stage: 'a', code: 'HANDLER_FAILED', message: 'boom', input: { x: 1 } },
        },
        { kind: 'control', at: 5, payload: { marker: 'checkpoint' } },
        { kind: 'data', at: 6, payload: 1, time: 1_700_000_000_123, watermark: 1_700_000_000_000 },
        { kind: 'data', at: 7, payload: 2, cause: { stage: 'up', seq: 43 }, time: 5 },
        { kind: 'data', at: 8, payload: 3, port: 0, watermark: 4 },
        { kind: 'error', at: 9, payload: { stage: 'a', code: 'X', message: 'late' }, watermark: 9 },
        { kind: 'eof', at: 10, payload: null },
      ];
      await store.commit(batch('a', envelopes));
      const records = await store.read('a', 0, 10);
      assert.deepEqual(records, envelopes.map((e, i) => ({ ...e, seq: i + 1 })));
    });

    it('keeps a cursor per (consumer, upstream), 0 until committed', async () => {
      await store.commit(batch('c', [], { cursors: { up1: 3, up2: 7 } }));
      await store.commit(batch('c', [data(1)], { cursors: { up1: 5 } }));
      assert.equal(await store.cursor('c', 'up1'), 5);
      assert.equal(await store.cursor('c', 'up2'), 7);
      assert.equal(await store.cursor('other', 'up1'), 0);
      assert.equal(await store.cursor('up1', 'c'), 0);
    });

    it('replaces state only when the batch carries one', async () => {
      await store.commit(batch('s', [], { state: { sum: 1, seen: ['a'] } }));
      await store.commit(batch('s', [data(1)]));
      assert.deepEqual(await store.loadState('s'), { sum: 1, seen: ['a'] });
      await store.commit(batch('s', [], { state: { sum: 2, seen: [] } }));
      assert.deepEqual(await store.loadState('s'), { sum: 2, seen: [] });
      await store.commit(batch('s', [], { state: null }));
      assert.equal(await store.loadState('s'), null);
      assert.equal(await store.loadState('other'), undefined);
    });

    it('hands out copies: changing what was read or committed changes nothing stored', async () => {
      const payload = { n: 1 };
      await store.commit(batch('a', [data(payload)], { state: { n: 1 } }));
      payload.n = 99;
      const [record] = await store.read('a', 0, 1);
      assert.deepEqual(record?.payload, { n: 1 });
      const state = (await store.loadState('a')) as { n: number };
      state.n = 42;
      assert.deepEqual(await store.loadState('a'), { n: 1 });
    });

    it('counts records by kind per journal', async () => {
      const at = 1;
      await store.commit(batch('a', [data(1), data(2), { kind: 'error', at, payload: 'e' }]));
      await store.commit(
        batch('a', [data(3), { kind: 'control', at, payload: 'c' }, { kind: 'eof', at, payload: null }]),
      );
      await store.commit(batch('b', [data(1)]));
      assert.deepEqual(await store.stats('a'), { data: 3, error: 1, eof: 1, control: 1 });
      assert.deepEqual(await store.stats('b'), { data: 1, error: 0, eof: 0, control: 0 });
    });

    it('lists the journals that hold records, reserved $ names included', async () => {
      await store.commit(batch('b', [data(1)]));
      await store.commit(batch('$system', [{ kind: 'control', at: 1, payload: 'run.started' }]));
      await store.commit(batch('a.1_x-y', [data(1)]));
      await store.commit(batch('c', [], { cursors: { b: 1 }, state: 1 }));
      assert.deepEqual(await store.journals(), ['$system', 'a.1_x-y', 'b']);
    });

    it('reads and writes meta values', async () => {
      await store.writeMeta('definitionHash', 'abc');
      await store.writeMeta('run', { counter: 3, started: [1, 2] });
      assert.equal(await store.readMeta('definitionHash'), 'abc');
      assert.deepEqual(await store.readMeta('run'), { counter: 3, started: [1, 2] });
      await store.writeMeta('definitionHash', 'def');
      assert.equal(await store.readMeta('definitionHash'), 'def');
      assert.equal(await store.readMeta('missing'), undefined);
    });

    it('notifies subscribers after a commit, with the records visible, until unsubscribed', async () => {
      const calls: [string, number][] = [];
      const visible: Promise<number>[] = [];
      const unsubscribe = store.subscribe((journal, lastSeq) => {
        calls.push([journal, lastSeq]);
        visible.push(store.lastSeq(journal));
      });
      await store.commit(batch('a', [data(1), data(2)]));
      await store.commit(batch('b', [data(1)]));
      await settle();
      assert.deepEqual(calls, [
        ['a', 2],
        ['b', 1],
      ]);
      assert.deepEqual(await Promise.all(visible), [2, 1]);
      unsubscribe();
      await store.commit(batch('a', [data(3)]));
      await settle();
      assert.equal(calls.length, 2);
    });

    // A symbol can be neither structured-cloned nor msgpack-encoded: every store rejects it.
    const unstorable = data({ bad: Symbol('unstorable') });
    const atomicityCases = {
      first: [unstorable, data(3)],
      last: [data(3), data(4), unstorable],
    };
    for (const [where, records] of Object.entries(atomicityCases)) {
      it(`commits all of a batch or none of it (unstorable ${where} record)`, async () => {
        await store.commit(batch('a', [data(1), data(2)], { cursors: { up: 1 }, state: 's0' }));
        const error = await failure(() => store.commit(batch('a', records, { cursors: { up: 9 }, state: 's1' })));
        assert.ok(error instanceof Error, `expected ${String(error)} to be an Error`);
        // The batch's fault, not the store's: supervision must not restart on it.
        assert.ok(error instanceof TerminalError, `expected a TerminalError, got ${error.constructor.name}`);
        assert.equal(error.code, 'MALFORMED_INPUT');
        assert.equal(await store.lastSeq('a'), 2, 'records of the rejected batch were appended');
        assert.deepEqual((await store.read('a', 0, 10)).map((r) => r.payload), [1, 2]);
        assert.deepEqual(await store.stats('a'), { data: 2, error: 0, eof: 0, control: 0 });
        assert.equal(await store.cursor('a', 'up'), 1);
        assert.equal(await store.loadState('a'), 's0');
        const next = await store.commit(batch('a', [data(3)]));
        assert.deepEqual(next, { firstSeq: 3, lastSeq: 3 });
      });
    }

    it('lands concurrent commits to different journals and to one journal', async () => {
      const journals = Array.from({ length: 8 }, (_, i) => `stage-${i}`);
      const results = await Promise.all(
        journals.flatMap((journal) =>
          [0, 1, 2].map((round) => store.commit(batch(journal, [data(round), data(round), data(round)]))),
        ),
      );
      assert.deepEqual(
        results.filter((_, i) => i % 3 === 0).map((r) => r.firstSeq),
        journals.map(() => 1),
      );
      for (const journal of journals) {
        const records = await store.read(journal, 0, 100);
        assert.deepEqual(records.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.deepEqual(records.map((r) => r.payload), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
      }
      assert.deepEqual(await store.journals(), journals);
    });

    it('lets commits in flight finish when closed', async () => {
      const pending = [store.commit(batch('a', [data(1)])), store.commit(batch('b', [data(2)]))];
      await store.close();
      assert.deepEqual(await Promise.all(pending), [
        { firstSeq: 1, lastSeq: 1 },
        { firstSeq: 1, lastSeq: 1 },
      ]);
      if (!durable) return;
      store = await reopenOf(subject)();
      assert.deepEqual(await store.journals(), ['a', 'b']);
    });

    it('rejects calls after close with STORE_CLOSED', async () => {
      await store.close();
      for (const call of [
        () => store.lastSeq('a'),
        () => store.read('a', 0, 1),
        () => store.commit(batch('a', [data(1)])),
        () => store.readMeta('k'),
      ]) {
        const error = await failure(call);
        assert.ok(error instanceof SluiceError, `expected ${String(error)} to be a SluiceError`);
        assert.equal(error.code, ErrorCode.StoreClosed);
      }
    });

    if (durable) {
      it('keeps everything across close and reopen (durable stores)', async () => {
        const reopen = reopenOf(subject);
        const envelopes = [
          data({ n: 1 }),
          { kind: 'data', at: 2, payload: 'two', cause: { stage: 'up', seq: 4 }, port: 0 } as const,
        ];
        await store.commit(batch('a', envelopes, { cursors: { up: 4 }, state: { sum: 3 } }));
        await store.commit(batch('$system', [{ kind: 'control', at: 3, payload: 'run.started' }]));
        await store.writeMeta('hash', 'h1');
        await store.close();
        store = await reopen();
        assert.equal(await store.lastSeq('a'), 2);
        assert.deepEqual(await store.read('a', 0, 10), envelopes.map((e, i) => ({ ...e, seq: i + 1 })));
        assert.equal(await store.cursor('a', 'up'), 4);
        assert.deepEqual(await store.loadState('a'), { sum: 3 });
        assert.deepEqual(await store.stats('a'), { data: 2, error: 0, eof: 0, control: 0 });
        assert.deepEqual(await store.journals(), ['$system', 'a']);
        assert.equal(await store.readMeta('hash'), 'h1');
        assert.deepEqual(await store.commit(batch('a', [data(3)])), { firstSeq: 3, lastSeq: 3 });
      });
    }

    keyedStateContract({
      it,
      store: () => store,
      reopen: durable
        ? async () => {
            await store.close();
            store = await reopenOf(subject)();
            return store;
          }
        : undefined,
    });
  });
}
