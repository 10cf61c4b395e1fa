import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { flow, sink, source, stateful, transform, type SinkHandler } from '@sluice/core';
import { createTestKit, testSource, type TestKit } from '@sluice/adapters/testing';
import { LmdbJournalStore } from '../src/index.ts';

function collect<T>(into: T[]): SinkHandler<T, number> {
  return {
    open: () => ({
      write: (values) => {
        into.push(...values);
        return into.length;
      },
    }),
  };
}

/** A source of 1..10, doubled, summed; each stage commits 2 records a batch. */
function summing(input: ReturnType<typeof testSource<number>>, delivered: number[]) {
  const doubled = transform('double', source('in', input), (n: number) => n * 2);
  const sum = stateful('sum', doubled, { init: () => 0, step: (total: number, n: number) => total + n });
  return flow('sums', [sink('out', sum, collect(delivered))]);
}

describe('test kit: crashes', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    kit = undefined;
  });

  it('crashAfter + restart on LMDB: every input is journaled once by every stage (exactly-once)', async () => {
    const input = testSource<number>();
    const delivered: number[] = [];
    kit = createTestKit(summing(input, delivered), { store: 'lmdb', batchSize: 2 });
    input.push(...Array.from({ length: 10 }, (_, i) => i + 1));
    input.end();
    kit.crashAfter('double', 2);
    await kit.until(() => kit?.crashed ?? false);
    await kit.settle();
    // It died right after the second batch of `double` landed: 4 records, nothing after them.
    expect(await kit.journal('double')).to.deep.equal([2, 4, 6, 8]);
    expect((await kit.records('double')).at(-1)?.kind).to.equal('data');
    expect((await kit.activity()).map((a) => a.type)).to.not.include('shutdown');

    await kit.restart();
    const summary = await kit.done;
    expect(summary.state).to.equal('completed');
    expect(await kit.journal('double')).to.deep.equal([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(await kit.journal('in')).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const sums = await kit.journal<number>('sum');
    expect(sums.at(-1), 'the state was not folded twice').to.equal(110);
    expect(sums).to.have.length(10);
    const causes = (await kit.records('sum')).filter((r) => r.kind === 'data').map((r) => r.cause?.seq);
    expect(new Set(causes).size).to.equal(10);
    expect((await kit.activity()).map((a) => a.type)).to.include('run.recovered');
  });

  it('holds the data directory lock while it runs and lets it go at the crash, as a killed process does', async () => {
    const input = testSource<number>();
    kit = createTestKit(summing(input, []), { store: 'lmdb' });
    await kit.settle();
    const dir = kit.dir ?? '';
    const refused = await LmdbJournalStore.openLocked({ path: dir }).then(
      async (store) => {
        await store.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect((refused as Error | undefined)?.message).to.match(/is in use by pid/);
    await kit.crash();
    const store = await LmdbJournalStore.openLocked({ path: dir });
    await store.close();
    await kit.restart();
    input.push(5);
    input.end();
    expect((await kit.done).state).to.equal('completed');
    expect(await kit.journal('sum')).to.deep.equal([10]);
    await kit.cleanup();
    expect(existsSync(dir), 'the temporary directory is removed').to.equal(false);
  });

  it('crash() on the memory store: the restart resumes from what was committed', async () => {
    const input = testSource<number>();
    kit = createTestKit(summing(input, []));
    input.push(1, 2);
    await kit.settle();
    await kit.crash();
    expect(() => kit?.crashAfter('sum', 1)).to.throw(/crashed; restart\(\) it first/);
    input.push(3);
    input.end();
    await kit.restart({ after: '5m' });
    expect((await kit.done).state).to.equal('completed');
    expect(await kit.journal('sum')).to.deep.equal([2, 6, 12]);
  });
});
