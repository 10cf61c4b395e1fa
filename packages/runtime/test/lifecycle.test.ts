import { expect } from 'chai';
import { SimulatedClock, createMemoryJournalStore, flow, merge, sink, source, transform, type JournalStore } from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, collect, items, live } from './support/handlers.ts';

describe('run lifecycle', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('pauses and resumes a running flow without losing input', async () => {
    const out: number[] = [];
    let produced = 0;
    let finished = false;
    const src = source('ticks', live(() => (produced < 50 ? [produced++] : []), () => finished));
    // The source finds its end by polling: on a simulated clock, so no test time is spent on backoff.
    const clock = new SimulatedClock();
    const handle = run(flow('pausing', [sink('out', transform('id', src, (n) => n), collect(out))]), { store, clock });
    await handle.waitFor((s) => s.value === 'running', 2000);
    handle.pause();
    await handle.waitFor((s) => s.value === 'paused', 2000);
    const idStage = handle.stage('id');
    await idStage?.waitFor((s) => s.value === 'paused', 2000);
    handle.resume();
    await handle.waitFor((s) => s.value === 'running', 2000);
    finished = true;
    const summary = await advanceUntilSettled(clock, handle, 50);
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it('stops gracefully: what was journaled reaches the sink, and a rerun resumes', async () => {
    const out: number[] = [];
    let produced = 0;
    let finite = false;
    const src = () => source('ticks', live(() => (produced < 100 ? [produced++] : []), () => finite));
    const build = () => flow('stopping', [sink('out', transform('id', src(), (n) => n), collect(out))]);
    const handle = run(build(), { store, batchSize: 5 });
    await handle.waitFor((s) => s.context.ready.length === 3, 2000);
    while (out.length < 10) await new Promise((r) => setTimeout(r, 1));
    const stopped = await handle.stop('graceful');
    expect(stopped.state).to.equal('stopped');
    const journaled = await store.lastSeq('ticks');
    expect(out).to.deep.equal(Array.from({ length: journaled }, (_, i) => i));
    // Batches committed while draining are counted too.
    expect(stopped.stages['out']?.in).to.equal(journaled);
    expect(stopped.stages['ticks']?.out).to.equal(journaled);
    finite = true;
    const rerun = await run(build(), { store });
    expect(rerun.state).to.equal('completed');
    expect(out).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
  });

  it('cancels promptly and a rerun resumes exactly after the last commit', async () => {
    const out: number[] = [];
    const values = Array.from({ length: 2000 }, (_, i) => i);
    let delayMs = 2;
    const slow = async (n: number): Promise<number> => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return n;
    };
    const build = () => flow('cancel', [sink('out', transform('slow', source('nums', items(values)), slow), collect(out))]);
    const handle = run(build(), { store, batchSize: 10 });
    while (out.length < 20) await new Promise((r) => setTimeout(r, 1));
    expect((await handle.stop('cancel')).state).to.equal('stopped');
    expect(out.length).to.be.lessThan(values.length);
    delayMs = 0;
    await run(build(), { store });
    expect(out).to.deep.equal(values);
  });

  it('merges two sources and completes after both end', async () => {
    const out: number[] = [];
    const a = source('a', items([1, 2, 3]));
    const b = source('b', items([10, 20]));
    const summary = await run(flow('merge', [sink('out', merge('both', [a, b]), collect(out))]), { store });
    expect(summary.state).to.equal('completed');
    expect([...out].sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 10, 20]);
  });

  it('rerunning a completed flow does nothing and completes', async () => {
    const out: number[] = [];
    const build = () => flow('again', [sink('out', source('nums', items([1, 2])), collect(out))]);
    await run(build(), { store });
    const summary = await run(build(), { store });
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal([1, 2]);
  });

  it('fails the flow when a stage cannot commit, naming the stage', async () => {
    const src = source('nums', items([1]));
    const bad = transform('fn-out', src, () => () => 1);
    const handle = run(flow('bad', [sink('out', bad, collect([]))]), { store });
    let caught: unknown;
    try {
      await handle;
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(Error);
    expect(String(caught)).to.match(/fn-out/);
    expect(handle.stage('fn-out')?.snapshot().value).to.equal('failed');
    expect(handle.stage('out')?.snapshot().value).to.equal('stopped');
    const status = await handle.status();
    expect(status.stages.find((s) => s.name === 'fn-out')?.state).to.equal('failed');
  });
});
