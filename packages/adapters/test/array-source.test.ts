import { describe, it } from 'mocha';
import { expect } from 'chai';
import { JournalCorruptError, type SourceBatch } from '@sluice/core';
import { arraySource } from '../src/io/array-source.ts';
import { stageContext } from './support/io-helpers.ts';

describe('arraySource', () => {
  it('emits the items in batches of at most max and ends with done', async () => {
    const reader = await arraySource([1, 2, 3, 4, 5]).open(undefined, stageContext());
    const batches: SourceBatch<number, number>[] = [];
    for (;;) {
      const batch = await reader.read(2);
      batches.push(batch);
      if (batch.done) break;
    }
    expect(batches.map((b) => [b.values, b.position, b.done])).to.deep.equal([
      [[1, 2], 2, false],
      [[3, 4], 4, false],
      [[5], 5, true],
    ]);
  });

  it('resumes after the committed count with no duplicate and no loss', async () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const source = arraySource(items);
    for (let split = 0; split <= items.length; split += 1) {
      const reader = await source.open(split, stageContext());
      const seen: string[] = [];
      let batch = await reader.read(3);
      seen.push(...batch.values);
      while (!batch.done) {
        batch = await reader.read(3);
        seen.push(...batch.values);
      }
      expect(seen, `split ${split}`).to.deep.equal(items.slice(split));
      expect(batch.position).to.equal(items.length);
    }
  });

  it('replays a one-shot generator on every open', async () => {
    function* numbers(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    const source = arraySource(numbers());
    const first = await (await source.open(undefined, stageContext())).read(10);
    const again = await (await source.open(1, stageContext())).read(10);
    expect(first.values).to.deep.equal([1, 2, 3]);
    expect(again.values).to.deep.equal([2, 3]);
  });

  it('is done at once when empty', async () => {
    const batch = await (await arraySource([]).open(undefined, stageContext())).read(10);
    expect(batch).to.deep.equal({ values: [], position: 0, done: true });
  });

  it('rejects a committed position beyond the items', () => {
    expect(() => arraySource([1, 2]).open(3, stageContext())).to.throw(
      JournalCorruptError,
      /position 3 does not fit 2 items/,
    );
  });

  it('rejects a read after close', async () => {
    const reader = await arraySource([1]).open(undefined, stageContext());
    await reader.close?.();
    let caught: unknown;
    await reader.read(1).catch((error: unknown) => (caught = error));
    expect(String(caught)).to.match(/state closed/);
  });
});
