import { expect } from 'chai';
import { describe, it } from 'mocha';
import { initialTransition, transition } from 'xstate';
import { ErrorCode, TerminalError, toFailure } from '@sluice/core';
import { pipelineMachine, type PipelineEvent, type PipelineSnapshot } from '../src/index.ts';
import { deferred, gates, settle } from './support/deferred.ts';
import { until } from './support/machines.ts';
import { createPipeline, LINE, stageActors, stageStates, type PipelineHarness } from './support/pipeline.ts';

/** A failure that no restart can fix: the stage fails at once. */
const fatal = (message: string, stage = 'parse') => toFailure(new TerminalError(ErrorCode.Internal, message), { stage });
const STORE_CLOSED = fatal('store closed');

/** Starts the harness and waits until every stage runs. */
async function running(harness: PipelineHarness): Promise<PipelineSnapshot> {
  harness.actor.start();
  harness.actor.send({ type: 'START' });
  return until(harness.actor, (s) => s.value === 'running');
}

/** The pipeline has finished (completed, stopped or failed); the runtime then stops the actor. */
const finished = (s: PipelineSnapshot): boolean => s.hasTag('terminal');

/** Every event a pipeline accepts, reporting about stages of {@link LINE}. */
const EVENTS: readonly PipelineEvent[] = [
  { type: 'START' },
  { type: 'PAUSE' },
  { type: 'RESUME' },
  { type: 'STOP', mode: 'graceful' },
  { type: 'STOP', mode: 'cancel' },
  { type: 'STAGE_READY', stage: 'read' },
  { type: 'STAGE_DRAINED', stage: 'read' },
  { type: 'STAGE_STOPPED', stage: 'parse' },
  { type: 'STAGE_FAILED', stage: 'write', error: fatal('disk full', 'write') },
];

const label = (event: PipelineEvent): string => ('mode' in event ? `${event.type}(${event.mode})` : event.type);

/** Asserts that `event` leaves `before` as it is, by a pure transition of `logic`. */
function expectIgnored(logic: typeof pipelineMachine, before: PipelineSnapshot, event: PipelineEvent): void {
  const [after] = transition(logic, before, event);
  expect(after.value, label(event)).to.equal(before.value);
  expect(after.status, label(event)).to.equal(before.status);
  expect(after.context, label(event)).to.deep.equal(before.context);
}

describe('pipelineMachine', () => {
  it('materializes, starts every stage and runs once all of them are ready', async () => {
    const materialize = deferred<void>();
    const init = gates();
    const harness = createPipeline({
      materialize: () => materialize.promise,
      initialize: (input) => init.wait(input.stage),
    });
    const { actor, io } = harness;
    const visited: unknown[] = [];
    actor.subscribe((s) => {
      if (visited.at(-1) !== s.value) visited.push(s.value);
    });
    actor.start();
    actor.send({ type: 'START' });

    expect(actor.getSnapshot().value).to.equal('materializing');
    expect(harness.materializeCalls).to.deep.equal([LINE]);
    expect(stageActors(actor).size, 'no stage before materialize is done').to.equal(0);

    materialize.resolve();
    await until(actor, (s) => s.value === 'starting');
    expect(stageStates(actor)).to.deep.equal({ read: 'initializing', parse: 'initializing', write: 'initializing' });
    expect(io.initializeCalls.map((c) => c.stage)).to.deep.equal(['read', 'parse', 'write']);

    init.open('read');
    init.open('write');
    await settle();
    expect(actor.getSnapshot().value, 'waits for the last stage').to.equal('starting');
    expect(actor.getSnapshot().context.ready).to.have.members(['read', 'write']);
    expect(io.loops, 'no stage runs before all are ready').to.have.length(0);

    init.open('parse');
    const snapshot = await until(actor, (s) => s.value === 'running');
    expect(snapshot.context.ready).to.have.members(['read', 'parse', 'write']);
    expect(stageStates(actor)).to.deep.equal({ read: 'running', parse: 'running', write: 'running' });
    expect(io.loops.map((l) => l.stage)).to.have.members(['read', 'parse', 'write']);
    expect(visited).to.deep.equal(['created', 'materializing', 'starting', 'running']);
  });

  it('drains once its sources have drained and completes when every stage has', async () => {
    const harness = createPipeline();
    const { actor, io } = harness;
    await running(harness);

    io.live('read').send({ type: 'INPUT_ENDED' });
    const draining = await until(actor, (s) => s.value === 'draining');
    expect(draining.context.drained).to.deep.equal(['read']);
    expect(draining.context.stopMode).to.equal(undefined);
    expect(stageStates(actor)).to.deep.include({ parse: 'running', write: 'running' });

    io.live('parse').send({ type: 'INPUT_ENDED' });
    await settle();
    expect(actor.getSnapshot().value, 'write has not drained yet').to.equal('draining');

    io.live('write').send({ type: 'INPUT_ENDED' });
    const completed = await until(actor, (s) => s.value === 'completed');
    expect(finished(completed)).to.equal(true);
    expect(completed.context.drained).to.have.members(['read', 'parse', 'write']);
    expect(io.drainCalls.map((c) => c.reason)).to.deep.equal(['eof', 'eof', 'eof']);
  });

  it('keeps running until every source has drained', async () => {
    const harness = createPipeline({
      input: { flow: 'join', stages: ['left', 'right', 'join'], sources: ['left', 'right'] },
    });
    const { actor, io } = harness;
    await running(harness);
    io.live('left').send({ type: 'INPUT_ENDED' });
    await until(actor, (s) => s.context.drained.includes('left'));
    expect(actor.getSnapshot().value).to.equal('running');
    io.live('right').send({ type: 'INPUT_ENDED' });
    await until(actor, (s) => s.value === 'draining');
  });

  it('broadcasts PAUSE and RESUME to its stages', async () => {
    const harness = createPipeline();
    const { actor, io } = harness;
    await running(harness);
    const firstLoops = [...io.loops];

    actor.send({ type: 'PAUSE' });
    expect(actor.getSnapshot().value).to.equal('paused');
    expect(stageStates(actor)).to.deep.equal({ read: 'paused', parse: 'paused', write: 'paused' });
    expect(firstLoops.every((l) => l.stopped), 'every loop stopped').to.equal(true);

    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).to.equal('running');
    expect(stageStates(actor)).to.deep.equal({ read: 'running', parse: 'running', write: 'running' });
    expect(io.loops).to.have.length(6);
    expect(io.loops.slice(3).every((l) => !l.stopped), 'new loops run').to.equal(true);
  });

  it('stops gracefully: drains every stage, then stops (not completed)', async () => {
    const drain = gates();
    const harness = createPipeline({ drain: (input) => drain.wait(input.stage) });
    const { actor, io } = harness;
    await running(harness);

    actor.send({ type: 'STOP', mode: 'graceful' });
    const draining = actor.getSnapshot();
    expect(draining.value).to.equal('draining');
    expect(draining.context.stopMode).to.equal('graceful');
    expect(stageStates(actor)).to.deep.equal({ read: 'draining', parse: 'draining', write: 'draining' });
    await settle();
    expect(io.drainCalls.map((c) => c.reason)).to.deep.equal(['stop', 'stop', 'stop']);

    drain.open('read');
    drain.open('parse');
    await settle();
    expect(actor.getSnapshot().value).to.equal('draining');

    drain.open('write');
    const stopped = await until(actor, finished);
    expect(stopped.value).to.equal('stopped');
    expect(stopped.context.drained).to.have.members(['read', 'parse', 'write']);
  });

  it('stops gracefully from paused', async () => {
    const harness = createPipeline();
    const { actor } = harness;
    await running(harness);
    actor.send({ type: 'PAUSE' });
    actor.send({ type: 'STOP', mode: 'graceful' });
    expect(actor.getSnapshot().value).to.equal('draining');
    const stopped = await until(actor, finished);
    expect(stopped.value).to.equal('stopped');
  });

  it('cancels: stops at once, and so do its stages', async () => {
    const harness = createPipeline();
    const { actor, io } = harness;
    await running(harness);
    const stages = stageActors(actor);
    expect(stages.size).to.equal(3);

    actor.send({ type: 'STOP', mode: 'cancel' });
    const stopped = actor.getSnapshot();
    expect(stopped.value).to.equal('stopped');
    expect(finished(stopped)).to.equal(true);
    expect(stopped.context.stopMode).to.equal('cancel');
    for (const [name, ref] of stages) expect(ref.getSnapshot().value, name).to.equal('stopped');
    expect(io.loops.every((l) => l.stopped), 'every loop stopped').to.equal(true);
    expect(io.drainCalls, 'a cancel does not drain').to.have.length(0);
  });

  it('fails when a stage fails, naming it, and stops the other stages', async () => {
    const harness = createPipeline();
    const { actor, io } = harness;
    await running(harness);
    const stages = stageActors(actor);

    io.live('parse').send({ type: 'FAIL', error: STORE_CLOSED });
    const failed = await until(actor, finished);
    expect(failed.value).to.equal('failed');
    expect(failed.context.failure).to.deep.equal({ stage: 'parse', error: STORE_CLOSED });
    expect(stages.get('read')?.getSnapshot().value).to.equal('stopped');
    expect(stages.get('write')?.getSnapshot().value).to.equal('stopped');
    expect(io.loops.every((l) => l.stopped), 'every loop stopped').to.equal(true);
  });

  it('fails when a stage cannot initialize', async () => {
    const harness = createPipeline({
      initialize: (input) =>
        input.stage === 'write' ? Promise.reject(new TerminalError(ErrorCode.Config, 'no such file')) : Promise.resolve(),
    });
    const { actor, io } = harness;
    actor.start();
    actor.send({ type: 'START' });
    const failed = await until(actor, finished);
    expect(failed.value).to.equal('failed');
    expect(failed.context.failure?.stage).to.equal('write');
    expect(failed.context.failure?.error).to.include({ code: 'CONFIG', message: 'no such file', retry: 'never' });
    expect(io.loops).to.have.length(0);
  });

  it('fails when materialize rejects, spawning no stage', async () => {
    const harness = createPipeline({ materialize: () => Promise.reject(new Error('store locked')) });
    const { actor, io } = harness;
    actor.start();
    actor.send({ type: 'START' });
    const failed = await until(actor, finished);
    expect(failed.value).to.equal('failed');
    expect(failed.context.failure?.stage).to.equal('(pipeline)');
    expect(failed.context.failure?.error.message).to.equal('store locked');
    expect(io.initializeCalls).to.have.length(0);
  });

  it('stops while materializing, spawning no stage', async () => {
    const materialize = deferred<void>();
    const harness = createPipeline({ materialize: () => materialize.promise });
    const { actor, io } = harness;
    actor.start();
    actor.send({ type: 'START' });
    actor.send({ type: 'STOP', mode: 'cancel' });
    expect(actor.getSnapshot().value).to.equal('stopped');
    materialize.resolve();
    await settle();
    expect(actor.getSnapshot().value, 'a late materialize changes nothing').to.equal('stopped');
    expect(io.initializeCalls).to.have.length(0);
  });

  it('records the mode a stop was asked in while nothing has run yet', async () => {
    const materialize = deferred<void>();
    const harness = createPipeline({ materialize: () => materialize.promise });
    harness.actor.start();
    harness.actor.send({ type: 'START' });
    harness.actor.send({ type: 'STOP', mode: 'graceful' });
    expect(harness.actor.getSnapshot().value).to.equal('stopped');
    expect(harness.actor.getSnapshot().context.stopMode, 'graceful: nothing was left undrained').to.equal('graceful');
    materialize.resolve();
    await settle();
  });

  it('isolates a stage that failed for good under an isolate policy: the others go on, its downstream waits', async () => {
    const input = {
      flow: 'fan',
      stages: ['read', 'left', 'right', 'write'],
      sources: ['read'],
      restart: { left: { onExhausted: 'isolate' as const } },
    };
    const harness = createPipeline({ input });
    const { actor, io } = harness;
    await running(harness);
    io.live('left').send({ type: 'FAIL', error: fatal('disk gone', 'left') });
    await settle();
    const after = actor.getSnapshot();
    expect(after.value, 'the flow goes on').to.equal('running');
    expect(after.context.isolated).to.deep.equal(['left']);
    expect(stageStates(actor)).to.deep.include({ read: 'running', right: 'running', write: 'running', left: 'failed' });
    // A graceful stop settles with the isolated stage counted as settled.
    actor.send({ type: 'STOP', mode: 'graceful' });
    const stopped = await until(actor, finished);
    expect(stopped.value).to.equal('stopped');
    expect(stopped.context.isolated).to.deep.equal(['left']);
  });

  it('stops from created without materializing', () => {
    const harness = createPipeline();
    harness.actor.start();
    harness.actor.send({ type: 'STOP', mode: 'graceful' });
    expect(harness.actor.getSnapshot().value).to.equal('stopped');
    expect(harness.materializeCalls).to.have.length(0);
  });

  describe('illegal events change nothing', () => {
    const illegalInCreated = EVENTS.filter((e) => e.type !== 'START' && e.type !== 'STOP');

    it(`in created: ${illegalInCreated.map(label).join(', ')}`, () => {
      const [before] = initialTransition(pipelineMachine, LINE);
      for (const event of illegalInCreated) expectIgnored(pipelineMachine, before, event);
    });

    it('in created, as an actor, and the pipeline still starts and runs afterwards', async () => {
      const harness = createPipeline();
      const { actor } = harness;
      actor.start();
      const before = actor.getSnapshot();
      for (const event of illegalInCreated) {
        actor.send(event);
        expect(actor.getSnapshot().value, label(event)).to.equal('created');
        expect(actor.getSnapshot().context, label(event)).to.deep.equal(before.context);
      }
      await running(harness);
      expect(stageStates(actor)).to.deep.equal({ read: 'running', parse: 'running', write: 'running' });
    });

    const TERMINAL = {
      completed: (h: PipelineHarness) => {
        for (const stage of LINE.stages) h.io.live(stage).send({ type: 'INPUT_ENDED' });
      },
      stopped: (h: PipelineHarness) => h.actor.send({ type: 'STOP', mode: 'cancel' }),
      failed: (h: PipelineHarness) => h.io.live('parse').send({ type: 'FAIL', error: STORE_CLOSED }),
    } as const;

    for (const [state, reach] of Object.entries(TERMINAL)) {
      it(`in ${state}: ${EVENTS.map(label).join(', ')}`, async () => {
        const harness = createPipeline();
        await running(harness);
        reach(harness);
        const before = await until(harness.actor, finished);
        await settle(); // late reports of the stages have arrived
        const settled = harness.actor.getSnapshot();
        expect(settled.value).to.equal(state);
        for (const event of EVENTS) expectIgnored(harness.logic, settled, event);
        for (const event of EVENTS) {
          harness.actor.send(event);
          expect(harness.actor.getSnapshot().value, label(event)).to.equal(state);
          expect(harness.actor.getSnapshot().context, label(event)).to.deep.equal(settled.context);
        }
        expect(before.value).to.equal(state);
      });
    }
  });
});
