import { afterEach, beforeEach, describe, it } from 'mocha';
import { expect } from 'chai';
import {
  ErrorCode,
  SluiceError,
  type CommitBatch,
  type Envelope,
  type JournalStore,
} from '@sluice/core';

/** What a contract run opens per test: a fresh store, optionally how to reopen it, and cleanup. */
export interface ContractSubject {
  readonly store: JournalStore;
  /** Opens the same data again after `store` was closed (durable stores only). */
  readonly reopen?: () => Promise<JournalStore>;
  readonly cleanup: () => Promise<void>;
}

/** A data record at `at` carrying `payload`. */
function data(payload: unknown, at = 1_700_000_000_000): Envelope {
  return { kind: 'data', at, payload };
}

/** A batch of `records` for `stage`, with optional cursors and state. */
function batch(
  stage: string,
  records: readonly Envelope[],
  extra: Partial<CommitBatch> = {},
): CommitBatch {
  return { stage, records, ...extra };
}

/** The error a call throws or rejects with (both count: the port is asynchronous). */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Lets queued microtasks and immediates run (commit notifications). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The behaviour every JournalStore must have, as a mocha `describe` block: dense seqs, reads
 * after a seq, cursors, state, stats, journal listing, meta, commit notifications, atomicity,
 * concurrent commits, closing, and (with `reopen`) durability across close and reopen.
 */
export function journalStoreContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`JournalStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: JournalStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
      await subject.cleanup();
    });

    it('starts empty', async () => {
      expect(await store.lastSeq('a')).to.equal(0);
      expect(await store.read('a', 0, 10)).to.deep.equal([]);
      expect(await store.cursor('a', 'up')).to.equal(0);
      expect(await store.loadState('a')).to.equal(undefined);
      expect(await store.stats('a')).to.deep.equal({ data: 0, error: 0, eof: 0, control: 0 });
      expect(await store.journals()).to.deep.equal([]);
      expect(await store.readMeta('k')).to.equal(undefined);
    });

    it('assigns dense 1-based seqs across commits', async () => {
      expect(await store.commit(batch('a', [data(1), data(2), data(3)]))).to.deep.equal({
        firstSeq: 1,
        lastSeq: 3,
      });
      expect(await store.commit(batch('a', [data(4), data(5)]))).to.deep.equal({
        firstSeq: 4,
        lastSeq: 5,
      });
      expect(await store.commit(batch('a', []))).to.deep.equal({ firstSeq: 6, lastSeq: 5 });
      expect(await store.commit(batch('b', [data('x')]))).to.deep.equal({
        firstSeq: 1,
        lastSeq: 1,
      });
      expect(await store.lastSeq('a')).to.equal(5);
      const records = await store.read('a', 0, 100);
      expect(records.map((r) => [r.seq, r.payload])).to.deep.equal([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 5],
      ]);
    });

    it('reads up to limit records after a seq', async () => {
      await store.commit(
        batch(
          'a',
          [1, 2, 3, 4, 5].map((n) => data(n)),
        ),
      );
      expect((await store.read('a', 2, 2)).map((r) => r.seq)).to.deep.equal([3, 4]);
      expect((await store.read('a', 3, 100)).map((r) => r.seq)).to.deep.equal([4, 5]);
      expect(await store.read('a', 5, 10)).to.deep.equal([]);
      expect(await store.read('a', 9, 10)).to.deep.equal([]);
      expect(await store.read('a', 0, 0)).to.deep.equal([]);
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
        { kind: 'eof', at: 6, payload: null },
      ];
      await store.commit(batch('a', envelopes));
      const records = await store.read('a', 0, 10);
      expect(records).to.deep.equal(envelopes.map((e, i) => ({ ...e, seq: i + 1 })));
    });

    it('keeps a cursor per (consumer, upstream), 0 until committed', async () => {
      await store.commit(batch('c', [], { cursors: { up1: 3, up2: 7 } }));
      await store.commit(batch('c', [data(1)], { cursors: { up1: 5 } }));
      expect(await store.cursor('c', 'up1')).to.equal(5);
      expect(await store.cursor('c', 'up2')).to.equal(7);
      expect(await store.cursor('other', 'up1')).to.equal(0);
      expect(await store.cursor('up1', 'c')).to.equal(0);
    });

    it('replaces state only when the batch carries one', async () => {
      await store.commit(batch('s', [], { state: { sum: 1, seen: ['a'] } }));
      await store.commit(batch('s', [data(1)]));
      expect(await store.loadState('s')).to.deep.equal({ sum: 1, seen: ['a'] });
      await store.commit(batch('s', [], { state: { sum: 2, seen: [] } }));
      expect(await store.loadState('s')).to.deep.equal({ sum: 2, seen: [] });
      await store.commit(batch('s', [], { state: null }));
      expect(await store.loadState('s')).to.equal(null);
      expect(await store.loadState('other')).to.equal(undefined);
    });

    it('hands out copies: changing what was read or committed changes nothing stored', async () => {
      const payload = { n: 1 };
      await store.commit(batch('a', [data(payload)], { state: { n: 1 } }));
      payload.n = 99;
      const [record] = await store.read('a', 0, 1);
      expect(record?.payload).to.deep.equal({ n: 1 });
      const state = (await store.loadState('a')) as { n: number };
      state.n = 42;
      expect(await store.loadState('a')).to.deep.equal({ n: 1 });
    });

    it('counts records by kind per journal', async () => {
      const at = 1;
      await store.commit(batch('a', [data(1), data(2), { kind: 'error', at, payload: 'e' }]));
      await store.commit(
        batch('a', [
          data(3),
          { kind: 'control', at, payload: 'c' },
          { kind: 'eof', at, payload: null },
        ]),
      );
      await store.commit(batch('b', [data(1)]));
      expect(await store.stats('a')).to.deep.equal({ data: 3, error: 1, eof: 1, control: 1 });
      expect(await store.stats('b')).to.deep.equal({ data: 1, error: 0, eof: 0, control: 0 });
    });

    it('lists the journals that hold records, reserved $ names included', async () => {
      await store.commit(batch('b', [data(1)]));
      await store.commit(batch('$system', [{ kind: 'control', at: 1, payload: 'run.started' }]));
      await store.commit(batch('a.1_x-y', [data(1)]));
      await store.commit(batch('c', [], { cursors: { b: 1 }, state: 1 }));
      expect(await store.journals()).to.deep.equal(['$system', 'a.1_x-y', 'b']);
    });

    it('reads and writes meta values', async () => {
      await store.writeMeta('definitionHash', 'abc');
      await store.writeMeta('run', { counter: 3, started: [1, 2] });
      expect(await store.readMeta('definitionHash')).to.equal('abc');
      expect(await store.readMeta('run')).to.deep.equal({ counter: 3, started: [1, 2] });
      await store.writeMeta('definitionHash', 'def');
      expect(await store.readMeta('definitionHash')).to.equal('def');
      expect(await store.readMeta('missing')).to.equal(undefined);
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
      expect(calls).to.deep.equal([
        ['a', 2],
        ['b', 1],
      ]);
      expect(await Promise.all(visible)).to.deep.equal([2, 1]);
      unsubscribe();
      await store.commit(batch('a', [data(3)]));
      await settle();
      expect(calls).to.have.length(2);
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
        const error = await failure(() =>
          store.commit(batch('a', records, { cursors: { up: 9 }, state: 's1' })),
        );
        expect(error).to.be.instanceOf(Error);
        expect(await store.lastSeq('a'), 'records of the rejected batch were appended').to.equal(2);
        expect((await store.read('a', 0, 10)).map((r) => r.payload)).to.deep.equal([1, 2]);
        expect(await store.stats('a')).to.deep.equal({ data: 2, error: 0, eof: 0, control: 0 });
        expect(await store.cursor('a', 'up')).to.equal(1);
        expect(await store.loadState('a')).to.equal('s0');
        const next = await store.commit(batch('a', [data(3)]));
        expect(next).to.deep.equal({ firstSeq: 3, lastSeq: 3 });
      });
    }

    it('lands concurrent commits to different journals and to one journal', async () => {
      const journals = Array.from({ length: 8 }, (_, i) => `stage-${i}`);
      const results = await Promise.all(
        journals.flatMap((journal) =>
          [0, 1, 2].map((round) =>
            store.commit(batch(journal, [data(round), data(round), data(round)])),
          ),
        ),
      );
      expect(results.filter((_, i) => i % 3 === 0).map((r) => r.firstSeq)).to.deep.equal(
        journals.map(() => 1),
      );
      for (const journal of journals) {
        const records = await store.read(journal, 0, 100);
        expect(records.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(records.map((r) => r.payload)).to.deep.equal([0, 0, 0, 1, 1, 1, 2, 2, 2]);
      }
      expect(await store.journals()).to.deep.equal(journals);
    });

    it('lets commits in flight finish when closed', async () => {
      const pending = [store.commit(batch('a', [data(1)])), store.commit(batch('b', [data(2)]))];
      await store.close();
      expect(await Promise.all(pending)).to.deep.equal([
        { firstSeq: 1, lastSeq: 1 },
        { firstSeq: 1, lastSeq: 1 },
      ]);
      if (subject.reopen === undefined) return;
      store = await subject.reopen();
      expect(await store.journals()).to.deep.equal(['a', 'b']);
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
        expect(error).to.be.instanceOf(SluiceError);
        expect((error as SluiceError).code).to.equal(ErrorCode.StoreClosed);
      }
    });

    it('keeps everything across close and reopen (durable stores)', async function () {
      const reopen = subject.reopen;
      if (reopen === undefined) {
        this.skip();
        return;
      }
      const envelopes = [
        data({ n: 1 }),
        { kind: 'data', at: 2, payload: 'two', cause: { stage: 'up', seq: 4 }, port: 0 } as const,
      ];
      await store.commit(batch('a', envelopes, { cursors: { up: 4 }, state: { sum: 3 } }));
      await store.commit(batch('$system', [{ kind: 'control', at: 3, payload: 'run.started' }]));
      await store.writeMeta('hash', 'h1');
      await store.close();
      store = await reopen();
      expect(await store.lastSeq('a')).to.equal(2);
      expect(await store.read('a', 0, 10)).to.deep.equal(
        envelopes.map((e, i) => ({ ...e, seq: i + 1 })),
      );
      expect(await store.cursor('a', 'up')).to.equal(4);
      expect(await store.loadState('a')).to.deep.equal({ sum: 3 });
      expect(await store.stats('a')).to.deep.equal({ data: 2, error: 0, eof: 0, control: 0 });
      expect(await store.journals()).to.deep.equal(['$system', 'a']);
      expect(await store.readMeta('hash')).to.equal('h1');
      expect(await store.commit(batch('a', [data(3)]))).to.deep.equal({ firstSeq: 3, lastSeq: 3 });
    });
  });
}
