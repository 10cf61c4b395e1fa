import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, transform, type JournalStore } from '@sluice/core';
import { run, SYSTEM_JOURNAL, type ActivityEntry, type ActivityRecord } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

async function activity(store: JournalStore): Promise<ActivityEntry[]> {
  const records = await store.read(SYSTEM_JOURNAL, 0, 10_000);
  return records.map((r) => r.payload as ActivityEntry);
}

const linear = (name: string, middle = 'double') =>
  flow(name, [sink('out', transform(middle, source('nums', items([1, 2, 3])), (n) => n * 2), collect([]))]);

describe('activity log', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('records start, every transition and a clean shutdown, in order', async () => {
    const seen: ActivityRecord[] = [];
    const handle = run(linear('logged'), { store, configuration: { batchSize: { value: 1000, source: 'default' } }, pid: 42 });
    handle.activity$.subscribe((r) => seen.push(r));
    await handle;
    const entries = await activity(store);
    const first = entries[0];
    expect(first?.type).to.equal('run.started');
    if (first?.type === 'run.started') {
      expect(first).to.include({ flow: 'logged', pid: 42, previousRuns: 0, definitionHash: handle.flow.definitionHash });
      expect(first.options).to.deep.equal({ batchSize: { value: 1000, source: 'default' } });
    }
    const pipeline = entries.flatMap((e) => (e.type === 'pipeline.state' ? [e.to] : []));
    expect(pipeline).to.deep.equal(['materializing', 'starting', 'running', 'draining', 'completed']);
    for (const stage of ['nums', 'double', 'out']) {
      const states = entries.flatMap((e) => (e.type === 'stage.state' && e.stage === stage ? [e.to] : []));
      expect(states, stage).to.deep.equal(['initializing', 'ready', 'running', 'draining', 'drained']);
    }
    expect(entries.at(-2)?.type).to.equal('drain.completed');
    expect(entries.at(-1)).to.include({ type: 'shutdown', clean: true, state: 'completed' });
    expect(entries.every((e) => e.run === handle.runId)).to.equal(true);
    expect(seen.map((r) => r.type)).to.deep.equal(entries.map((e) => e.type));
    expect(seen.map((r) => r.seq)).to.deep.equal(entries.map((_, i) => i + 1));
  });

  it('records signals with their source, and a cancel as a forced shutdown', async () => {
    const handle = run(flow('signals', [sink('out', source('ticks', live(() => [], () => false)), collect([]))]), { store });
    await handle.waitFor((s) => s.value === 'running', 2000);
    handle.pause('http');
    await handle.waitFor((s) => s.value === 'paused', 2000);
    await handle.stop('cancel', 'SIGINT');
    const entries = await activity(store);
    const signals = entries.filter((e) => e.type === 'signal');
    expect(signals).to.deep.equal([
      { type: 'signal', run: handle.runId, signal: 'pause', source: 'http' },
      { type: 'signal', run: handle.runId, signal: 'stop', source: 'SIGINT', mode: 'cancel' },
    ]);
    expect(entries.at(-1)).to.include({ type: 'shutdown', clean: false, state: 'stopped' });
    const rerun = run(flow('signals', [sink('out', source('ticks', live(() => [], () => true)), collect([]))]), { store });
    await rerun;
    const recovered = (await activity(store)).find((e) => e.type === 'run.recovered');
    expect(recovered).to.include({ previousRun: handle.runId });
    expect(recovered?.type === 'run.recovered' ? recovered.message : '').to.match(
      /previous run .* ended without clean shutdown at seq \d+; resuming stage cursors/,
    );
  });

  it('counts earlier runs and does not report recovery after a clean shutdown', async () => {
    await run(linear('again'), { store });
    await run(linear('again'), { store });
    const entries = await activity(store);
    const restarts = entries.flatMap((e) => (e.type === 'run.started' ? [e.previousRuns] : []));
    expect(restarts).to.deep.equal([0, 1]);
    expect(entries.some((e) => e.type === 'run.recovered')).to.equal(false);
  });
});

describe('definition changes', () => {
  it('refuses a renamed stage on an existing data directory, touching nothing', async () => {
    const store = createMemoryJournalStore();
    await run(linear('defs', 'double'), { store });
    const before = await store.lastSeq(SYSTEM_JOURNAL);
    let caught: unknown;
    try {
      await run(linear('defs', 'triple'), { store });
    } catch (error) {
      caught = error;
    }
    expect(String(caught)).to.match(/stage "triple" added, stage "double" removed/);
    expect(String(caught)).to.match(/allowDefinitionChange/);
    expect(await store.lastSeq(SYSTEM_JOURNAL)).to.equal(before);
    expect(await store.lastSeq('double')).to.equal(4);
    const allowed = await run(linear('defs', 'triple'), { store, allowDefinitionChange: true });
    expect(allowed.state).to.equal('completed');
    await store.close();
  });

  it('refuses settings for a stage that is not in the flow, naming it', () => {
    const store = createMemoryJournalStore();
    expect(() => run(linear('settings'), { store, stages: { nope: { batchSize: 5 } } })).to.throw(/stage "nope"/);
  });
});
