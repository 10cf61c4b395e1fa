import { expect } from 'chai';
import {
  ErrorCode,
  SluiceError,
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  type JournalStore,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { collect, items } from './support/handlers.ts';

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('the run was expected to be refused');
}

const linear = (stage: string) =>
  flow('refusals', [sink('out', transform(stage, source('nums', items([1, 2, 3])), (n: number) => n * 2), collect<number>([]))]);

describe('a refused run', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('rejects with the error of `prepare` itself, and nothing is written', async () => {
    const refusal = new SluiceError(ErrorCode.DataDirInUse, 'data directory /x is in use by pid 7 (since 2026-12-01T00:00:00.000Z)');
    const error = await rejection(run(linear('double'), { store, prepare: () => Promise.reject(refusal) }));
    expect(error).to.equal(refusal);
    expect(await store.journals()).to.deep.equal([]);
    expect(await store.readMeta('flow')).to.equal(undefined);
  });

  it('rejects a changed definition with DEFINITION_CHANGED as it was thrown, not as a failed flow', async () => {
    await run(linear('double'), { store });
    const error = await rejection(run(linear('triple'), { store }));
    expect(error).to.be.instanceOf(SluiceError);
    expect((error as SluiceError).code).to.equal(ErrorCode.DefinitionChanged);
    expect((error as Error).message).not.to.match(/failed/);
    expect((error as Error).message).to.match(/stage "triple" added/);
  });
});
