import { expect } from 'chai';
import {
  createMemoryJournalStore,
  flow,
  route,
  sink,
  source,
  transform,
  type JournalStore,
  type SinkHandler,
} from '@sluice/core';
import { SYSTEM_JOURNAL, inspectDataDir, inputLag, run, type StoredDefinition } from '@sluice/runtime';
import { items } from './support/handlers.ts';

const drop: SinkHandler<number, number> = { open: () => ({ write: () => 0 }) };

/** Runs nums → check (odd numbers over 4 fail) → parity route → even/odd sinks to completion. */
async function ranFlow(store: JournalStore): Promise<StoredDefinition> {
  const nums = source('nums', items([1, 2, 3, 4, 5, 6, 7, 8]));
  const checked = transform('check', nums, (n: number) => {
    if (n > 4 && n % 2 === 1) throw new Error(`odd ${String(n)}`);
    return n;
  });
  const [even, odd] = route('parity', checked, (n: number) => n % 2, 2);
  await run(flow('inspected', [sink('even', even, drop), sink('odd', odd, drop)]), { store });
  return (await store.readMeta('flow')) as StoredDefinition;
}

describe('inspectDataDir', () => {
  let store: JournalStore;
  beforeEach(() => (store = createMemoryJournalStore()));
  afterEach(() => store.close());

  it('shows each stage: kind, journal counts by kind, inputs with cursor, upstream seq and lag', async () => {
    const definition = await ranFlow(store);
    const inspection = await inspectDataDir(store, definition);
    expect(inspection).to.include({ flow: 'inspected', definitionHash: definition.definitionHash, runs: 1 });
    const check = inspection.stages.find((s) => s.name === 'check');
    expect(check).to.deep.include({ kind: 'map', journalLength: 9 });
    expect(check?.counts).to.deep.equal({ data: 6, error: 2, eof: 1, control: 0 });
    expect(check?.inputs).to.deep.equal([{ upstream: 'nums', cursor: 9, upstreamSeq: 9, lag: 0 }]);
    const odd = inspection.stages.find((s) => s.name === 'odd');
    expect(odd?.kind).to.equal('sink');
    expect(odd?.inputs).to.deep.equal([{ upstream: 'parity#1', cursor: 7, upstreamSeq: 7, lag: 0 }]);
    expect(inspection.stages.map((s) => s.name)).to.deep.equal(definition.topology.map((s) => s.name));
  });

  it('reports the run that started last and the clean shutdown the log ends with', async () => {
    const definition = await ranFlow(store);
    const inspection = await inspectDataDir(store, definition);
    expect(inspection.lastRun?.type).to.equal('run.started');
    expect(inspection.shutdown).to.include({ type: 'shutdown', clean: true, state: 'completed' });
    expect(inspection.lastActivity).to.equal(inspection.shutdown);
    expect(inspection.systemLength).to.equal(await store.lastSeq(SYSTEM_JOURNAL));
  });

  it('has no shutdown when the log ends otherwise, and lag when an upstream grew', async () => {
    const definition = await ranFlow(store);
    const at = 1;
    await store.commit({ stage: SYSTEM_JOURNAL, records: [{ kind: 'control', at, payload: { type: 'signal', run: 'r', signal: 'pause', source: 'api' } }] });
    await store.commit({ stage: 'nums', records: [{ kind: 'data', at, payload: 9 }, { kind: 'data', at, payload: 10 }] });
    const inspection = await inspectDataDir(store, definition);
    expect(inspection.shutdown).to.equal(undefined);
    expect(inspection.lastActivity?.type).to.equal('signal');
    const check = inspection.stages.find((s) => s.name === 'check');
    expect(check?.inputs).to.deep.equal([{ upstream: 'nums', cursor: 9, upstreamSeq: 11, lag: 2 }]);
  });

  it('measures one input from its key: a port key reads the route journal', async () => {
    await store.commit({ stage: 'r', records: [1, 2, 3].map((n) => ({ kind: 'data' as const, at: 1, payload: n, port: n % 2 })) });
    expect(await inputLag(store, 'r#1', 1)).to.deep.equal({ upstream: 'r#1', cursor: 1, upstreamSeq: 3, lag: 2 });
    expect(await inputLag(store, 'r', 5)).to.deep.equal({ upstream: 'r', cursor: 5, upstreamSeq: 3, lag: 0 });
  });
});
