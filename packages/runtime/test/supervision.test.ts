import { expect } from 'chai';
import {
  InvalidStateError,
  JournalCorruptError,
  SimulatedClock,
  SluiceError,
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  type JournalStore,
  type SinkHandler,
} from '@sluice/core';
import { SYSTEM_JOURNAL, run, type ActivityEntry, type PipelineHandle, type RunSummary } from '@sluice/runtime';
import { collect, items, live } from './support/handlers.ts';

/** An EIO as Node throws it: a failure of the sink itself, not of a record. */
function ioError(): Error {
  return Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', syscall: 'write' });
}

/**
 * A sink that rewinds to its committed position on open (exactly once across restarts) and
 * throws `failures.shift()` from a write while there is one left.
 */
function flakySink(into: number[], failures: Error[]): SinkHandler<number, number> & { opens: number } {
  const handler = {
    opens: 0,
    open: (position: number | undefined) => {
      handler.opens += 1;
      into.length = position ?? 0;
      return {
        write: (values: readonly number[]) => {
          const failure = failures.shift();
          if (failure !== undefined) throw failure;
          into.push(...values);
          return into.length;
        },
      };
    },
  };
  return handler;
}

async function activity(store: JournalStore): Promise<ActivityEntry[]> {
  return (await store.read(SYSTEM_JOURNAL, 0, 10_000)).map((r) => r.payload as ActivityEntry);
}

/** The stage's machine handle, once the pipeline has spawned it. */
async function stageOf(handle: PipelineHandle, name: string): Promise<NonNullable<ReturnType<PipelineHandle['stage']>>> {
  await handle.waitFor((s) => s.children[name] !== undefined, 2000);
  const stage = handle.stage(name);
  if (stage === undefined) throw new Error(`no stage ${name}`);
  return stage;
}

/** Advances the clock in steps until the run settles (restart backoffs are due on it). */
async function settle(handle: PipelineHandle, clock: SimulatedClock): Promise<RunSummary> {
  const state = { done: false };
  const result = handle.done.finally(() => (state.done = true));
  result.catch(() => undefined);
  for (let i = 0; i < 1000 && !state.done; i++) await clock.advance(100);
  return result;
}

describe('supervision of real stages', () => {
  let store: JournalStore;
  let clock: SimulatedClock;
  beforeEach(() => {
    store = createMemoryJournalStore();
    clock = new SimulatedClock(1_000_000);
  });
  afterEach(() => store.close());

  it('restarts a sink whose writes fail with backoff on the clock, and every input arrives once', async () => {
    const out: number[] = [];
    const values = Array.from({ length: 50 }, (_, i) => i);
    const failing = flakySink(out, [ioError(), ioError()]);
    const handle = run(flow('restarts', [sink('out', source('nums', items(values)), failing)]), { store, clock, batchSize: 10 });
    // Not before the first backoff (200 ms) has passed on the clock.
    await (await stageOf(handle, 'out')).waitFor((s) => s.value === 'restarting', 2000);
    await clock.advance(199);
    expect(handle.stage('out')?.snapshot().value).to.equal('restarting');
    const summary = await settle(handle, clock);
    expect(summary.state).to.equal('completed');
    expect(out).to.deep.equal(values);
    expect(failing.opens, 'opened once, then once per restart').to.equal(3);
    const restarts = await activity(store);
    expect(restarts.flatMap((e) => (e.type === 'stage.restarting' ? [[e.stage, e.attempt, e.delayMs, e.error.code]] : []))).to.deep.equal([
      ['out', 1, 200, 'EIO'],
      ['out', 2, 400, 'EIO'],
    ]);
    expect(summary.stages['out']?.errors, 'nothing in the error lane').to.equal(0);
  });

  it('never restarts on a TerminalError: the run rejects with its code and the original as cause', async () => {
    const corrupt = new InvalidStateError('journal "x" has a gap at seq 7');
    const failing = flakySink([], [corrupt]);
    const handle = run(flow('terminal', [sink('out', source('nums', items([1, 2, 3])), failing)]), { store, clock });
    let caught: unknown;
    await handle.then(undefined, (error: unknown) => (caught = error));
    expect(caught).to.be.instanceOf(SluiceError);
    expect((caught as SluiceError).code).to.equal('INVALID_STATE');
    expect((caught as SluiceError).stage).to.equal('out');
    expect((caught as Error).cause).to.equal(corrupt);
    expect((caught as Error).message).to.equal('flow "terminal" failed: stage "out": journal "x" has a gap at seq 7');
    expect(failing.opens).to.equal(1);
    expect((await activity(store)).some((e) => e.type === 'stage.restarting')).to.equal(false);
  });

  it('fails the flow once restarts are used up, with the last failure', async () => {
    const failing = flakySink([], [ioError(), ioError(), ioError()]);
    const nums = source('nums', items([1, 2, 3]));
    const handle = run(flow('used-up', [sink('out', nums, failing, { restart: { maxRestarts: 2, backoffMs: 10 } })]), { store, clock });
    let caught: unknown;
    await settle(handle, clock).catch((error: unknown) => (caught = error));
    expect((caught as Error | undefined)?.message).to.match(/stage "out": EIO/);
    expect(failing.opens).to.equal(3);
  });

  it('isolates a stage under an isolate policy: the other branch completes, its own downstream waits', async () => {
    const good: number[] = [];
    const nums = source('nums', items([1, 2, 3, 4]));
    const broken = transform('broken', nums, (n: number) => n, { restart: { maxRestarts: 0, onExhausted: 'isolate' } });
    const fine = transform('fine', nums, (n: number) => n * 10);
    const brokenStore: JournalStore = {
      ...store,
      commit: (batch) => (batch.stage === 'broken' ? Promise.reject(new JournalCorruptError('cannot write "broken"')) : store.commit(batch)),
    };
    const handle = run(flow('isolation', [sink('a', broken, collect<number>([])), sink('b', fine, collect(good))]), { store: brokenStore, clock });
    await (await stageOf(handle, 'b')).waitFor((s) => s.value === 'drained', 2000);
    expect(good).to.deep.equal([10, 20, 30, 40]);
    const status = await handle.status();
    // The source has ended, so the pipeline drains; it waits for the isolated branch until stopped.
    expect(status.state, 'the flow goes on').to.equal('draining');
    expect(status.stages.find((s) => s.name === 'broken')).to.deep.include({ state: 'failed', isolated: true, error: 'cannot write "broken"' });
    expect(status.stages.find((s) => s.name === 'a')?.state, 'its downstream waits').to.equal('running');
    const stopped = await handle.stop('graceful');
    expect(stopped.state).to.equal('stopped');
    const entries = await activity(store);
    expect(entries.flatMap((e) => (e.type === 'stage.isolated' ? [e.stage] : []))).to.deep.equal(['broken']);
    expect(entries.at(-1)).to.include({ type: 'shutdown', clean: false });
  });
});

describe('control in a state that cannot take it', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('throws an InvalidStateError naming the state and records the refusal; the run goes on', async () => {
    let produced = 0;
    let finished = false;
    const nums = source('nums', live(() => (produced < 20 ? [produced++] : []), () => finished));
    const handle = run(flow('control', [sink('out', nums, collect<number>([]))]), { store });
    expect(() => handle.pause()).to.throw(InvalidStateError, /cannot pause flow "control": the pipeline is (created|materializing)/);
    await handle.waitFor((s) => s.value === 'running', 2000);
    expect(() => handle.resume('http')).to.throw(InvalidStateError, /cannot resume flow "control": the pipeline is running/);
    finished = true;
    expect((await handle).state).to.equal('completed');
    const refused = (await activity(store)).flatMap((e) => (e.type === 'signal' && e.refusedIn !== undefined ? [[e.signal, e.source]] : []));
    expect(refused).to.deep.equal([
      ['pause', 'api'],
      ['resume', 'http'],
    ]);
  });

  it('a graceful stop while the stages start is recorded as graceful by the machine, and the shutdown says so', async () => {
    let release: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (release = resolve));
    const slowOpen = {
      open: async () => {
        await opened;
        return { read: () => Promise.resolve({ values: [], position: 0, done: true }) };
      },
    };
    const handle = run(flow('early', [sink('out', source('nums', slowOpen), collect<number>([]))]), { store });
    await handle.waitFor((s) => s.value === 'starting', 2000);
    const stopping = handle.stop('graceful');
    release();
    const stopped = await stopping;
    expect(stopped.state).to.equal('stopped');
    expect(handle.snapshot().context.stopMode).to.equal('graceful');
    expect((await activity(store)).at(-1)).to.include({ type: 'shutdown', clean: true, state: 'stopped' });
  });
});
