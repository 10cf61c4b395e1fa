import { expect } from 'chai';
import {
  InvalidStateError,
  SimulatedClock,
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  type JournalStore,
  type SinkHandler,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { advanceUntilSettled, items, live, until } from './support/handlers.ts';

/**
 * A sink that rewinds to its committed position on open, like the JSON-lines sink: exactly
 * once when every delivered batch is committed. A write after close throws, as the JSON-lines
 * writer does. `beforeWrite` lets a test act while a write is in progress.
 */
function rewindingSink(into: number[], hooks: { beforeWrite?: (call: number) => Promise<void> }): SinkHandler<number, number> {
  return {
    open: (position) => {
      into.length = position ?? 0;
      let closed = false;
      let calls = 0;
      return {
        write: async (values) => {
          calls += 1;
          await hooks.beforeWrite?.(calls);
          if (closed) throw new InvalidStateError('rewindingSink: write() in state closed');
          into.push(...values);
          return into.length;
        },
        close: () => {
          closed = true;
          return Promise.resolve();
        },
      };
    },
  };
}

async function errorsIn(store: JournalStore, journal: string): Promise<number> {
  const records = await store.read(journal, 0, 1_000_000);
  return records.filter((r) => r.kind === 'error').length;
}


describe('a forced stop (cancel) during a graceful drain', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  it('lets the sink finish the batch it is writing: nothing goes to the error lane and a rerun delivers every input once', async () => {
    const values = Array.from({ length: 200 }, (_, i) => i);
    let produced = false;
    const src = (): ReturnType<typeof source<number>> =>
      source('nums', live(() => (produced ? [] : ((produced = true), values)), () => false));
    const out: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let cancelDuringWrite: () => Promise<void> = () => Promise.resolve();
    const hooks = {
      beforeWrite: async (call: number): Promise<void> => {
        if (call === 1) await gate; // hold the first batch until the graceful stop is in
        else if (call === 2) await cancelDuringWrite();
      },
    };
    const handle = run(flow('double-stop', [sink('out', src(), rewindingSink(out, hooks))]), { store, batchSize: 10 });
    await until(async () => (await store.lastSeq('nums')) >= values.length);
    cancelDuringWrite = async () => {
      // The second signal arrives while the drain's batch is being written.
      void handle.stop('cancel', 'SIGTERM (second)');
      await new Promise((r) => setTimeout(r, 20));
    };
    void handle.stop('graceful', 'SIGTERM');
    release();
    const stopped = await handle;
    expect(stopped.state).to.equal('stopped');
    // Whatever the stopped run still had in flight would land now: the handle must not settle before it.
    await new Promise((r) => setTimeout(r, 50));
    expect(await errorsIn(store, 'out'), 'error-lane records in the sink').to.equal(0);

    produced = true;
    const done = await run(flow('double-stop', [sink('out', source('nums', items(values)), rewindingSink(out, {}))]), {
      store,
      allowDefinitionChange: true,
      batchSize: 10,
    });
    expect(done.state).to.equal('completed');
    expect(await errorsIn(store, 'out')).to.equal(0);
    expect(out).to.deep.equal(values);
  });

  it('a sink that fails to write (closed, I/O) fails the stage instead of filling its error lane', async () => {
    const out: number[] = [];
    const broken: SinkHandler<number, number> = {
      open: () => ({
        write: () => {
          const error = new Error('EIO: i/o error, write') as NodeJS.ErrnoException;
          error.code = 'EIO';
          error.syscall = 'write';
          throw error;
        },
      }),
    };
    // It is restarted (an I/O error may pass) on a simulated clock, then fails the flow.
    const clock = new SimulatedClock();
    const handle = run(flow('broken-sink', [sink('out', source('nums', items([1, 2, 3])), broken)]), { store, clock });
    let failure: unknown;
    await advanceUntilSettled(clock, handle, 100).then(undefined, (error: unknown) => (failure = error));
    expect(failure, 'the run fails').to.be.instanceOf(Error);
    expect((failure as Error).message).to.contain('EIO');
    expect(await errorsIn(store, 'out')).to.equal(0);
    expect(out).to.deep.equal([]);
    expect(await store.cursor('out', 'nums')).to.equal(0);
  });

  it('cancels a retry backoff at once and sends nothing to the error lane', async () => {
    let failing = true;
    let attempts = 0;
    const values = [1, 2, 3];
    const out: number[] = [];
    const build = () =>
      flow('retry-cancel', [
        sink(
          'out',
          transform('flaky', source('nums', items(values)), (n: number) => {
            attempts += 1;
            if (failing) throw new Error('service unavailable');
            return n;
          }, { retry: { maxAttempts: 3, backoffMs: 3_600_000 } }),
          rewindingSink(out, {}),
        ),
      ]);
    // On a clock that never moves, the hour of backoff never ends: only the cancel ends the wait.
    const clock = new SimulatedClock();
    const handle = run(build(), { store, clock });
    // The first attempt failed: its backoff wait begins in the same turn (a timer on the clock).
    await until(() => attempts >= 1);
    expect(attempts, 'no second attempt before the backoff').to.equal(1);
    expect((await handle.stop('cancel')).state).to.equal('stopped');
    expect(await errorsIn(store, 'flaky'), 'error-lane records in the transform').to.equal(0);
    failing = false;
    expect((await run(build(), { store })).state).to.equal('completed');
    expect(out).to.deep.equal(values);
    expect(await errorsIn(store, 'flaky')).to.equal(0);
  });
});
