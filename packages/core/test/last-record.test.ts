import { expect } from 'chai';
import { createMemoryJournalStore, lastRecord, type JournalStore } from '@sluice/core';

describe('lastRecord', () => {
  let store: JournalStore;
  beforeEach(() => (store = createMemoryJournalStore()));
  afterEach(() => store.close());

  it('is undefined for an empty journal', async () => {
    expect(await lastRecord(store, 'a')).to.equal(undefined);
  });

  it('is the record with the highest seq, after several commits', async () => {
    await store.commit({ stage: 'a', records: [{ kind: 'data', at: 1, payload: 1 }] });
    await store.commit({
      stage: 'a',
      records: [
        { kind: 'data', at: 2, payload: 2 },
        { kind: 'eof', at: 3, payload: null },
      ],
    });
    await store.commit({ stage: 'b', records: [{ kind: 'data', at: 4, payload: 'b' }] });
    expect(await lastRecord(store, 'a')).to.deep.equal({ kind: 'eof', at: 3, payload: null, seq: 3 });
    expect((await lastRecord(store, 'b'))?.payload).to.equal('b');
  });
});
