import { expect } from 'chai';
import { describe, it } from 'mocha';
import { createActor, initialTransition, SimulatedClock, transition } from 'xstate';
import { DEFAULT_RESTART_POLICY, ErrorCode, JournalCorruptError, RetryableError, TerminalError, toFailure } from '@sluice/core';
import {
  stageMachine,
  type StageMachineContext,
  type StageEvent,
  type StageSnapshot,
  type StageState,
} from '../src/index.ts';
import { deferred, gates, settle } from './support/deferred.ts';
import { invocationEvent, invokeId, until } from './support/machines.ts';
import { createStageIo } from './support/stage-io.ts';

const INPUT = { stage: 'parse' } as const;

/** Failures as the loop sends them: terminal ones fail the stage, others restart it. */
const STORE_CLOSED = toFailure(new TerminalError(ErrorCode.Internal, 'store closed'), { stage: 'parse' });
const BUSY = toFailure(new RetryableError('service busy', 500), { stage: 'parse' });
const DISK_FULL = new JournalCorruptError('disk full');
const FLUSH_FAILED = new TerminalError(ErrorCode.Internal, 'flush failed');
/** The delayed event XState raises when a restart's backoff is over. */
const RESTART_DUE = { type: 'xstate.after.restartDelay.stage.restarting' } as unknown as StageEvent;

/** One event of each type the machine accepts (the record makes the list exhaustive). */
const EVENTS = {
  INIT: { type: 'INIT' },
  START: { type: 'START' },
  PAUSE: { type: 'PAUSE' },
  RESUME: { type: 'RESUME' },
  DRAIN: { type: 'DRAIN' },
  STOP: { type: 'STOP' },
  RESTART: { type: 'RESTART' },
  BATCH: { type: 'BATCH', in: 5, out: 4, errors: 1 },
  INPUT_ENDED: { type: 'INPUT_ENDED' },
  BACKPRESSURE: { type: 'BACKPRESSURE', waiting: true },
  FAIL: { type: 'FAIL', error: STORE_CLOSED },
} as const satisfies { readonly [K in StageEvent['type']]: Extract<StageEvent, { type: K }> };

/** What the injected actors report back; XState raises these when they settle. */
const OUTCOMES = {
  'initialize.done': invocationEvent(stageMachine, 'stage.initializing', { done: true }),
  'initialize.error': invocationEvent(stageMachine, 'stage.initializing', { error: DISK_FULL }),
  'drain.done': invocationEvent(stageMachine, 'stage.draining', { done: true }),
  'drain.error': invocationEvent(stageMachine, 'stage.draining', { error: FLUSH_FAILED }),
  'fail.retryable': { type: 'FAIL', error: BUSY } as StageEvent,
  'restart.due': RESTART_DUE,
} as const;

type Step = keyof typeof EVENTS | keyof typeof OUTCOMES;

const STEPS: { readonly [K in Step]: StageEvent } = { ...EVENTS, ...OUTCOMES };

/** A path from the initial state to each state; the record makes it cover every state. */
const PATHS: { readonly [S in StageState]: readonly Step[] } = {
  created: [],
  initializing: ['INIT'],
  ready: ['INIT', 'initialize.done'],
  running: ['INIT', 'initialize.done', 'START'],
  paused: ['INIT', 'initialize.done', 'START', 'PAUSE'],
  draining: ['INIT', 'initialize.done', 'START', 'INPUT_ENDED'],
  drained: ['INIT', 'initialize.done', 'START', 'INPUT_ENDED', 'drain.done'],
  restarting: ['INIT', 'initialize.done', 'START', 'fail.retryable'],
  failed: ['INIT', 'initialize.error'],
  stopped: ['STOP'],
};

const STATES = Object.keys(PATHS) as StageState[];

/** The actor each state invokes (and no other state has). */
const INVOKES: { readonly [S in StageState]: readonly string[] } = {
  created: [],
  initializing: [invokeId(stageMachine, 'stage.initializing')],
  ready: [],
  running: [invokeId(stageMachine, 'stage.running')],
  paused: [],
  draining: [invokeId(stageMachine, 'stage.draining')],
  drained: [],
  restarting: [],
  failed: [],
  stopped: [],
};

interface Row {
  readonly from: StageState;
  readonly on: Step;
  readonly to: StageState;
  readonly context?: Partial<StageMachineContext>;
}

const COUNTED = { batches: 1, in: 5, out: 4, errors: 1 } as const;
const LIVE_STATES = ['created', 'initializing', 'ready', 'running', 'paused', 'draining', 'restarting', 'failed'] as const;

/** Every legal transition. BATCH is counted in every state that is not final. */
const LEGAL: readonly Row[] = [
  { from: 'created', on: 'INIT', to: 'initializing' },
  { from: 'created', on: 'STOP', to: 'stopped' },
  { from: 'initializing', on: 'initialize.done', to: 'ready' },
  { from: 'initializing', on: 'initialize.error', to: 'failed', context: { error: toFailure(DISK_FULL, { stage: 'parse' }) } },
  { from: 'initializing', on: 'STOP', to: 'stopped' },
  { from: 'ready', on: 'START', to: 'running' },
  { from: 'ready', on: 'DRAIN', to: 'draining', context: { drainReason: 'stop' } },
  { from: 'ready', on: 'STOP', to: 'stopped' },
  { from: 'running', on: 'PAUSE', to: 'paused' },
  { from: 'running', on: 'DRAIN', to: 'draining', context: { drainReason: 'stop' } },
  { from: 'running', on: 'INPUT_ENDED', to: 'draining', context: { drainReason: 'eof' } },
  { from: 'running', on: 'FAIL', to: 'failed', context: { error: STORE_CLOSED } },
  { from: 'running', on: 'fail.retryable', to: 'restarting', context: { error: BUSY, resume: 'running' } },
  { from: 'running', on: 'STOP', to: 'stopped' },
  { from: 'running', on: 'BACKPRESSURE', to: 'running', context: { backpressured: true } },
  { from: 'paused', on: 'RESUME', to: 'running' },
  { from: 'paused', on: 'DRAIN', to: 'draining', context: { drainReason: 'stop' } },
  { from: 'paused', on: 'STOP', to: 'stopped' },
  { from: 'draining', on: 'drain.done', to: 'drained' },
  { from: 'draining', on: 'drain.error', to: 'failed', context: { error: toFailure(FLUSH_FAILED, { stage: 'parse' }) } },
  { from: 'draining', on: 'FAIL', to: 'failed', context: { error: STORE_CLOSED } },
  { from: 'draining', on: 'fail.retryable', to: 'restarting', context: { error: BUSY, resume: 'draining' } },
  { from: 'restarting', on: 'restart.due', to: 'initializing', context: { restarts: 1 } },
  { from: 'restarting', on: 'PAUSE', to: 'restarting', context: { resume: 'paused' } },
  { from: 'restarting', on: 'DRAIN', to: 'restarting', context: { resume: 'draining', drainReason: 'stop' } },
  { from: 'restarting', on: 'STOP', to: 'stopped' },
  { from: 'draining', on: 'STOP', to: 'stopped' },
  { from: 'failed', on: 'RESTART', to: 'initializing', context: { restarts: 1, error: undefined } },
  { from: 'failed', on: 'STOP', to: 'stopped' },
  ...LIVE_STATES.map((from): Row => ({ from, on: 'BATCH', to: from, context: COUNTED })),
];

/** The snapshot of `state`, reached from the initial state by pure transitions. */
function reach(state: StageState): StageSnapshot {
  let [snapshot] = initialTransition(stageMachine, INPUT);
  for (const name of PATHS[state]) [snapshot] = transition(stageMachine, snapshot, STEPS[name]);
  expect(snapshot.value, `path to ${state}`).to.equal(state);
  return snapshot;
}

describe('stageMachine as pure transitions', () => {
  it('starts in created with zeroed counters', () => {
    const [snapshot] = initialTransition(stageMachine, INPUT);
    expect(snapshot.value).to.equal('created');
    expect(snapshot.context).to.deep.equal({
      stage: 'parse',
      batches: 0,
      in: 0,
      out: 0,
      errors: 0,
      drainReason: undefined,
      error: undefined,
      restarts: 0,
      policy: DEFAULT_RESTART_POLICY,
      resume: 'ready',
      backpressured: false,
    });
  });

  it('reaches every state, each invoking only its own actor', () => {
    for (const state of STATES) {
      expect(Object.keys(reach(state).children), state).to.deep.equal(INVOKES[state]);
    }
  });

  it('has final states drained and stopped only', () => {
    for (const state of STATES) {
      const final = state === 'drained' || state === 'stopped';
      expect(reach(state).status, state).to.equal(final ? 'done' : 'active');
    }
  });

  describe('legal transitions', () => {
    for (const row of LEGAL) {
      it(`${row.from} --${row.on}--> ${row.to}`, () => {
        const before = reach(row.from);
        const [after] = transition(stageMachine, before, STEPS[row.on]);
        expect(after.value).to.equal(row.to);
        expect(after.context).to.deep.equal({ ...before.context, ...row.context });
        expect(Object.keys(after.children)).to.deep.equal(INVOKES[row.to]);
      });
    }
  });

  describe('illegal events change nothing', () => {
    for (const state of STATES) {
      const legal = new Set(LEGAL.filter((r) => r.from === state).map((r) => r.on));
      const illegal = Object.values(EVENTS).filter((e) => !legal.has(e.type));
      it(`in ${state}: ${illegal.map((e) => e.type).join(', ')}`, () => {
        const before = reach(state);
        for (const event of illegal) {
          const [after] = transition(stageMachine, before, event);
          expect(after.value, event.type).to.equal(before.value);
          expect(after.status, event.type).to.equal(before.status);
          expect(after.context, event.type).to.deep.equal(before.context);
          expect(Object.keys(after.children), event.type).to.deep.equal(Object.keys(before.children));
        }
      });
    }
  });
});

describe('stageMachine as an actor with fake I/O', () => {
  it('goes to failed with the typed failure when initialize rejects with a terminal error', async () => {
    const io = createStageIo({ initialize: () => Promise.reject(new JournalCorruptError('cannot open journal')) });
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    const failed = await until(actor, (s) => s.value === 'failed');
    expect(failed.context.error).to.include({ name: 'JournalCorruptError', code: 'JOURNAL_CORRUPT', message: 'cannot open journal', retry: 'never', stage: 'parse' });
    expect(io.initializeCalls).to.deep.equal([{ stage: 'parse' }]);
    expect(failed.status).to.equal('active'); // failed is not final: RESTART may retry
  });

  it('passes the stage name to initialize and becomes ready when it resolves', async () => {
    const init = deferred<void>();
    const io = createStageIo({ initialize: () => init.promise });
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await settle();
    expect(actor.getSnapshot().value).to.equal('initializing');
    init.resolve();
    await until(actor, (s) => s.value === 'ready');
    expect(io.initializeCalls).to.deep.equal([{ stage: 'parse' }]);
    expect(io.loops).to.have.length(0); // the loop waits for START
  });

  it('counts the BATCH events the process loop sends back', async () => {
    const io = createStageIo();
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    expect(actor.getSnapshot().value).to.equal('running');
    const loop = io.live('parse');
    loop.send({ type: 'BATCH', in: 10, out: 9, errors: 1 });
    loop.send({ type: 'BATCH', in: 3, out: 3, errors: 0 });
    expect(actor.getSnapshot().context).to.include({ batches: 2, in: 13, out: 12, errors: 1 });
    expect(actor.getSnapshot().value).to.equal('running');
  });

  it('drains after INPUT_ENDED and ends in drained when drain resolves', async () => {
    const drain = deferred<void>();
    const io = createStageIo({ drain: () => drain.promise });
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    const loop = io.live('parse');
    loop.send({ type: 'INPUT_ENDED' });
    const draining = actor.getSnapshot();
    expect(draining.value).to.equal('draining');
    expect(draining.context.drainReason).to.equal('eof');
    expect(loop.stopped, 'loop stopped on leaving running').to.equal(true);
    await settle();
    expect(io.drainCalls).to.deep.equal([{ stage: 'parse', reason: 'eof' }]);
    drain.resolve();
    const drained = await until(actor, (s) => s.value === 'drained');
    expect(drained.status).to.equal('done');
  });

  it('tells drain the reason is a stop when DRAIN is requested', async () => {
    const io = createStageIo();
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    actor.send({ type: 'DRAIN' });
    await until(actor, (s) => s.value === 'drained');
    expect(io.drainCalls).to.deep.equal([{ stage: 'parse', reason: 'stop' }]);
  });

  it('fails with the message when drain rejects with a terminal error', async () => {
    const io = createStageIo({ drain: () => Promise.reject(FLUSH_FAILED) });
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'DRAIN' });
    const failed = await until(actor, (s) => s.value === 'failed');
    expect(failed.context.error?.message).to.equal('flush failed');
  });

  it('shows backpressure while running and forgets it on leaving running', async () => {
    const io = createStageIo();
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    io.live('parse').send({ type: 'BACKPRESSURE', waiting: true });
    expect(actor.getSnapshot().context.backpressured).to.equal(true);
    io.live('parse').send({ type: 'BACKPRESSURE', waiting: false });
    expect(actor.getSnapshot().context.backpressured).to.equal(false);
    io.live('parse').send({ type: 'BACKPRESSURE', waiting: true });
    actor.send({ type: 'PAUSE' });
    expect(actor.getSnapshot().context.backpressured).to.equal(false);
  });

  it('stops the process loop on PAUSE and starts a new one on RESUME', async () => {
    const io = createStageIo();
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    const first = io.live('parse');
    first.send({ type: 'BATCH', in: 1, out: 1, errors: 0 });

    actor.send({ type: 'PAUSE' });
    expect(actor.getSnapshot().value).to.equal('paused');
    expect(first.stopped, 'cleanup of the first loop ran').to.equal(true);
    expect(Object.keys(actor.getSnapshot().children)).to.deep.equal([]);
    first.send({ type: 'BATCH', in: 100, out: 100, errors: 0 }); // a stale loop is not heard

    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).to.equal('running');
    expect(io.loops).to.have.length(2);
    const second = io.live('parse');
    expect(second).to.not.equal(first);
    second.send({ type: 'BATCH', in: 2, out: 2, errors: 0 });
    expect(actor.getSnapshot().context).to.include({ batches: 2, in: 3, out: 3 });
  });

  it('fails on FAIL from the loop and counts a RESTART, initializing again', async () => {
    const init = gates();
    init.open('parse');
    const io = createStageIo({ initialize: (input) => init.wait(input.stage) });
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    const loop = io.live('parse');
    loop.send({ type: 'FAIL', error: STORE_CLOSED });
    const failed = actor.getSnapshot();
    expect(failed.value).to.equal('failed');
    expect(failed.context).to.include({ error: STORE_CLOSED, restarts: 0 });
    expect(loop.stopped).to.equal(true);

    actor.send({ type: 'RESTART' });
    expect(actor.getSnapshot().context).to.include({ restarts: 1, error: undefined });
    await until(actor, (s) => s.value === 'ready');
    expect(io.initializeCalls).to.have.length(2);

    actor.send({ type: 'START' });
    io.live('parse').send({ type: 'FAIL', error: STORE_CLOSED });
    actor.send({ type: 'RESTART' });
    expect(actor.getSnapshot().context.restarts).to.equal(2);
  });

  it('stops from any live state and then ignores everything', async () => {
    const io = createStageIo();
    const actor = createActor(io.logic, { input: INPUT }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    const loop = io.live('parse');
    actor.send({ type: 'STOP' });
    const stopped = actor.getSnapshot();
    expect(stopped.value).to.equal('stopped');
    expect(stopped.status).to.equal('done');
    expect(loop.stopped).to.equal(true);
    loop.send({ type: 'BATCH', in: 1, out: 1, errors: 0 });
    expect(actor.getSnapshot()).to.equal(stopped);
  });
});

describe('stageMachine supervision on a simulated clock', () => {
  const failing = (error: unknown) => toFailure(error, { stage: 'parse' });

  async function runningActor(restart?: { maxRestarts?: number; backoffMs?: number }) {
    const clock = new SimulatedClock();
    const io = createStageIo();
    const actor = createActor(io.logic, { input: { ...INPUT, ...(restart === undefined ? {} : { restart }) }, clock }).start();
    actor.send({ type: 'INIT' });
    await until(actor, (s) => s.value === 'ready');
    actor.send({ type: 'START' });
    return { clock, io, actor };
  }

  it('restarts a stage that failed with a plain error after its backoff, doubling it, and resumes running', async () => {
    const { clock, io, actor } = await runningActor({ backoffMs: 100 });
    io.live('parse').send({ type: 'FAIL', error: failing(new Error('connection reset')) });
    expect(actor.getSnapshot().value).to.equal('restarting');
    clock.increment(99);
    expect(actor.getSnapshot().value, 'not before its backoff').to.equal('restarting');
    clock.increment(1);
    await until(actor, (s) => s.value === 'running');
    expect(actor.getSnapshot().context.restarts).to.equal(1);
    expect(io.initializeCalls).to.have.length(2);

    io.live('parse').send({ type: 'FAIL', error: failing(new Error('connection reset')) });
    clock.increment(199);
    expect(actor.getSnapshot().value, 'the second backoff is doubled').to.equal('restarting');
    clock.increment(1);
    await until(actor, (s) => s.value === 'running');
  });

  it('waits a RetryableError\'s own retryAfterMs', async () => {
    const { clock, io, actor } = await runningActor({ backoffMs: 10 });
    io.live('parse').send({ type: 'FAIL', error: BUSY });
    clock.increment(499);
    expect(actor.getSnapshot().value).to.equal('restarting');
    clock.increment(1);
    await until(actor, (s) => s.value === 'running');
  });

  it('never restarts on a TerminalError, and fails once restarts are used up', async () => {
    const terminal = await runningActor();
    terminal.io.live('parse').send({ type: 'FAIL', error: STORE_CLOSED });
    expect(terminal.actor.getSnapshot().value).to.equal('failed');

    const { clock, io, actor } = await runningActor({ maxRestarts: 1, backoffMs: 10 });
    io.live('parse').send({ type: 'FAIL', error: failing(new Error('flaky')) });
    clock.increment(10);
    await until(actor, (s) => s.value === 'running');
    io.live('parse').send({ type: 'FAIL', error: failing(new Error('flaky')) });
    expect(actor.getSnapshot().value).to.equal('failed');
    expect(actor.getSnapshot().context.error?.message).to.equal('flaky');
  });

  it('a pause during the backoff brings the restarted stage back paused', async () => {
    const { clock, io, actor } = await runningActor({ backoffMs: 10 });
    io.live('parse').send({ type: 'FAIL', error: failing(new Error('flaky')) });
    actor.send({ type: 'PAUSE' });
    clock.increment(10);
    await until(actor, (s) => s.value === 'paused');
  });
});
