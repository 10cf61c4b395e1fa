import { expect } from 'chai';
import { describe, it } from 'mocha';
import { lastValueFrom, timeout, toArray } from 'rxjs';
import { createActor } from 'xstate';
import { ErrorCode, InvalidStateError, SimulatedClock, SluiceError } from '@sluice/core';
import { createHandle, type StageSnapshot, type StageState } from '../src/index.ts';
import { deferred } from './support/deferred.ts';
import { WAIT_MS } from './support/machines.ts';
import { createPipeline } from './support/pipeline.ts';
import { createStageIo, type StageIoOptions } from './support/stage-io.ts';

/** A started stage actor on fake I/O, and a handle to it. */
function stage(options: StageIoOptions = {}) {
  const io = createStageIo(options);
  const actor = createActor(io.logic, { input: { stage: 'parse' } }).start();
  return { io, actor, handle: createHandle(actor) };
}

/** Rejection of `promise`, or a failure if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createHandle', () => {
  describe('state$', () => {
    it('emits the current snapshot first, then every new one, and completes when the actor stops', () => {
      const { actor, handle } = stage();
      const values: StageState[] = [];
      let completed = false;
      handle.state$.subscribe({ next: (s) => values.push(s.value), complete: () => (completed = true) });
      expect(values).to.deep.equal(['created']);

      handle.send({ type: 'INIT' });
      expect(values).to.deep.equal(['created', 'initializing']);
      expect(completed).to.equal(false);

      actor.stop();
      expect(completed).to.equal(true);
    });

    it('starts each subscriber at the snapshot current when it subscribes', async () => {
      const { handle } = stage();
      handle.send({ type: 'INIT' });
      await handle.waitFor((s) => s.value === 'ready', 1000);
      const first: StageState[] = [];
      handle.state$.subscribe((s) => first.push(s.value));
      handle.send({ type: 'START' });
      const second: StageState[] = [];
      handle.state$.subscribe((s) => second.push(s.value));
      handle.send({ type: 'PAUSE' });
      expect(first).to.deep.equal(['ready', 'running', 'paused']);
      expect(second).to.deep.equal(['running', 'paused']);
    });

    it('completes when the machine reaches a final state', async () => {
      const { handle } = stage();
      const all = lastValueFrom(handle.state$.pipe(toArray()));
      handle.send({ type: 'STOP' });
      const values = (await all).map((s) => s.value);
      expect(values).to.deep.equal(['created', 'stopped']);
    });

    it('gives a subscriber that comes after the end the last snapshot, then completes', async () => {
      const done = stage();
      done.handle.send({ type: 'STOP' });
      const afterFinal = await lastValueFrom(done.handle.state$.pipe(toArray(), timeout(WAIT_MS)));
      expect(afterFinal.map((s) => s.value)).to.deep.equal(['stopped']);

      const stopped = stage();
      stopped.handle.send({ type: 'INIT' });
      stopped.actor.stop();
      const afterStop = await lastValueFrom(stopped.handle.state$.pipe(toArray(), timeout(WAIT_MS)));
      expect(afterStop.map((s) => s.value)).to.deep.equal(['initializing']);
    });

    it('unsubscribes from the actor when its subscriber does', () => {
      const { handle } = stage();
      const values: StageState[] = [];
      const subscription = handle.state$.subscribe((s) => values.push(s.value));
      subscription.unsubscribe();
      handle.send({ type: 'INIT' });
      expect(values).to.deep.equal(['created']);
    });
  });

  it('snapshot() is the actor snapshot now', () => {
    const { actor, handle } = stage();
    expect(handle.snapshot()).to.equal(actor.getSnapshot());
    handle.send({ type: 'INIT' });
    expect(handle.snapshot().value).to.equal('initializing');
    expect(handle.snapshot()).to.equal(actor.getSnapshot());
  });

  describe('waitFor', () => {
    it('resolves with the first snapshot that matches', async () => {
      const init = deferred<void>();
      const { handle } = stage({ initialize: () => init.promise });
      handle.send({ type: 'INIT' });
      const ready = handle.waitFor((s) => s.value === 'ready', 1000);
      init.resolve();
      const snapshot: StageSnapshot = await ready;
      expect(snapshot.value).to.equal('ready');
    });

    it('resolves at once when the current snapshot matches', async () => {
      const { handle } = stage();
      expect((await handle.waitFor((s) => s.value === 'created', 1000)).value).to.equal('created');
    });

    it('times out on the clock it was given, not before', async () => {
      const clock = new SimulatedClock();
      const { actor } = stage();
      const handle = createHandle(actor, clock);
      let settled: unknown;
      const waiting = handle.waitFor((s) => s.value === 'running', 5_000).catch((error: unknown) => (settled = error));
      await clock.advance(4_999);
      expect(settled, 'not before its timeout').to.equal(undefined);
      await clock.advance(1);
      await waiting;
      expect((settled as SluiceError).code).to.equal(ErrorCode.Timeout);
    });

    it('rejects with a SluiceError TIMEOUT when nothing matches in time', async () => {
      const { handle } = stage();
      const error = await rejection(handle.waitFor((s) => s.value === 'running', 20));
      expect(error).to.be.instanceOf(SluiceError);
      expect((error as SluiceError).code).to.equal(ErrorCode.Timeout);
      expect((error as SluiceError).code).to.equal('TIMEOUT');
      expect((error as SluiceError).message).to.contain('20 ms').and.contain('created');
    });

    it('rejects with an InvalidStateError naming the state when the actor ends without a match', async () => {
      const { handle } = stage();
      const waiting = handle.waitFor((s) => s.value === 'running', 1000);
      handle.send({ type: 'STOP' });
      const error = await rejection(waiting);
      expect(error).to.be.instanceOf(InvalidStateError);
      expect((error as InvalidStateError).code).to.equal(ErrorCode.InvalidState);
      expect((error as InvalidStateError).message).to.contain('stopped');
    });

    it('rejects with an InvalidStateError when the actor was already stopped', async () => {
      const { actor, handle } = stage();
      actor.stop();
      const error = await rejection(handle.waitFor((s) => s.value === 'running', WAIT_MS));
      expect(error).to.be.instanceOf(InvalidStateError);
      expect((error as InvalidStateError).message).to.contain('created');
    });
  });

  describe('send', () => {
    it('delivers the event to the actor', () => {
      const { handle } = stage();
      handle.send({ type: 'INIT' });
      expect(handle.snapshot().value).to.equal('initializing');
    });

    it('admits only the machine own events (checked by tsc)', () => {
      const { handle } = stage();
      // @ts-expect-error 'LAUNCH' is not a stage event
      handle.send({ type: 'LAUNCH' });
      // @ts-expect-error a BATCH carries its counts
      handle.send({ type: 'BATCH' });
      // @ts-expect-error a pipeline event is not a stage event
      handle.send({ type: 'STAGE_READY', stage: 'parse' });
      expect(handle.snapshot().value, 'the actor ignored them').to.equal('created');

      const pipeline = createHandle(createPipeline().actor); // not started: nothing is processed
      // @ts-expect-error a pipeline STOP needs a mode
      pipeline.send({ type: 'STOP' });
      // @ts-expect-error a stage event is not a pipeline event
      pipeline.send({ type: 'INIT' });
      expect(pipeline.snapshot().value).to.equal('created');

      // The snapshot is typed too: its value is a StageState.
      const state: StageState = handle.snapshot().value;
      expect(state).to.equal('created');
    });
  });
});
