import { expect } from 'chai';
import { describe, it } from 'mocha';
import { createActor, initialTransition, transition } from 'xstate';
import { SimulatedClock } from '@sluice/core';
import {
  circuitAdmits,
  circuitBreakerMachine,
  circuitRetryAfterMs,
  type CircuitBreakerEvent,
  type CircuitBreakerSnapshot,
} from '../src/index.ts';

const INPUT = { stage: 'call', failures: 3, openMs: 1000 } as const;
const FAILED = { type: 'CALL_FAILED', at: 0, trial: false } as const satisfies CircuitBreakerEvent;
const SUCCEEDED = { type: 'CALL_SUCCEEDED', trial: false } as const satisfies CircuitBreakerEvent;
const TRIAL_FAILED = { ...FAILED, trial: true } as const;
const TRIAL_SUCCEEDED = { ...SUCCEEDED, trial: true } as const;
/** The delayed event XState raises when the open time is over. */
const OPEN_OVER = { type: 'xstate.after.openMs.circuitBreaker.open' } as unknown as CircuitBreakerEvent;

function apply(snapshot: CircuitBreakerSnapshot, ...events: CircuitBreakerEvent[]): CircuitBreakerSnapshot {
  let next = snapshot;
  for (const event of events) [next] = transition(circuitBreakerMachine, next, event);
  return next;
}

function closed(input: Partial<typeof INPUT> & { halfOpenCalls?: number } = {}): CircuitBreakerSnapshot {
  return initialTransition(circuitBreakerMachine, { ...INPUT, ...input })[0];
}

describe('circuitBreakerMachine as pure transitions', () => {
  it('starts closed and admits calls', () => {
    const s = closed();
    expect(s.value).to.equal('closed');
    expect(circuitAdmits(s)).to.equal('call');
  });

  it('opens after `failures` consecutive failures, recording when', () => {
    const s = apply(closed(), FAILED, FAILED, { ...FAILED, at: 42 });
    expect(s.value).to.equal('open');
    expect(s.context.openedAt).to.equal(42);
    expect(s.context.opened).to.equal(1);
    expect(s.context.consecutiveFailures, 'the failures that opened it').to.equal(3);
    expect(circuitAdmits(s)).to.equal('reject');
  });

  it('a success in closed resets the count: failures must be consecutive', () => {
    const s = apply(closed(), FAILED, FAILED, SUCCEEDED, FAILED, FAILED);
    expect(s.value).to.equal('closed');
    expect(s.context.consecutiveFailures).to.equal(2);
  });

  it('results arriving while open change nothing', () => {
    const open = apply(closed(), FAILED, FAILED, FAILED);
    const s = apply(open, SUCCEEDED, FAILED);
    expect(s.value).to.equal('open');
    expect(s.context.openedAt).to.equal(0);
    expect(s.can({ type: 'TRIAL_STARTED' })).to.equal(false);
  });

  it('goes half-open when openMs is over and admits halfOpenCalls trials', () => {
    const half = apply(closed({ halfOpenCalls: 2 }), FAILED, FAILED, FAILED, OPEN_OVER);
    expect(half.value).to.equal('half-open');
    expect(circuitAdmits(half)).to.equal('trial');
    const one = apply(half, { type: 'TRIAL_STARTED' });
    expect(circuitAdmits(one)).to.equal('trial');
    const two = apply(one, { type: 'TRIAL_STARTED' });
    expect(two.context.trials).to.equal(2);
    expect(circuitAdmits(two)).to.equal('reject');
  });

  it('an abandoned trial frees its place in half-open', () => {
    const half = apply(closed(), FAILED, FAILED, FAILED, OPEN_OVER, { type: 'TRIAL_STARTED' });
    expect(circuitAdmits(half)).to.equal('reject');
    const s = apply(half, { type: 'TRIAL_ABANDONED' });
    expect(s.value).to.equal('half-open');
    expect(circuitAdmits(s)).to.equal('trial');
  });

  it('half-open closes after halfOpenCalls trial successes', () => {
    const half = apply(closed({ halfOpenCalls: 2 }), FAILED, FAILED, FAILED, OPEN_OVER, { type: 'TRIAL_STARTED' }, { type: 'TRIAL_STARTED' });
    const one = apply(half, TRIAL_SUCCEEDED);
    expect(one.value).to.equal('half-open');
    const s = apply(one, TRIAL_SUCCEEDED);
    expect(s.value).to.equal('closed');
    expect(s.context.consecutiveFailures).to.equal(0);
  });

  it('a trial failure in half-open opens it again', () => {
    const half = apply(closed(), FAILED, FAILED, FAILED, OPEN_OVER, { type: 'TRIAL_STARTED' });
    const s = apply(half, { ...TRIAL_FAILED, at: 5000 });
    expect(s.value).to.equal('open');
    expect(s.context.openedAt).to.equal(5000);
    expect(s.context.opened).to.equal(2);
  });

  it('in half-open, results of calls that were not trials are ignored', () => {
    const half = apply(closed(), FAILED, FAILED, FAILED, OPEN_OVER);
    expect(apply(half, FAILED).value).to.equal('half-open');
    expect(apply(half, SUCCEEDED).value).to.equal('half-open');
  });

  it('TRIAL_STARTED means nothing outside half-open', () => {
    const s = closed();
    expect(s.can({ type: 'TRIAL_STARTED' })).to.equal(false);
    expect(apply(s, { type: 'TRIAL_STARTED' }).context.trials).to.equal(0);
  });

  it('says how long a rejected call should wait: the rest of the open time', () => {
    const open = apply(closed(), FAILED, FAILED, { ...FAILED, at: 100 });
    expect(circuitRetryAfterMs(open, 400)).to.equal(700);
    expect(circuitRetryAfterMs(open, 5000)).to.equal(0);
    expect(circuitRetryAfterMs(closed(), 0)).to.equal(0);
    // Half-open with its trial out: ask again after a whole openMs.
    expect(circuitRetryAfterMs(apply(open, OPEN_OVER, { type: 'TRIAL_STARTED' }), 2000)).to.equal(1000);
  });
});

describe('circuitBreakerMachine as an actor on a simulated clock', () => {
  it('opens, waits openMs on the injected clock, then half-opens and closes on a trial success', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(circuitBreakerMachine, { input: INPUT, clock }).start();
    for (let i = 0; i < 3; i++) actor.send({ ...FAILED, at: clock.now() });
    expect(actor.getSnapshot().value).to.equal('open');
    await clock.advance(999);
    expect(actor.getSnapshot().value).to.equal('open');
    await clock.advance(1);
    expect(actor.getSnapshot().value).to.equal('half-open');
    actor.send({ type: 'TRIAL_STARTED' });
    actor.send(TRIAL_SUCCEEDED);
    expect(actor.getSnapshot().value).to.equal('closed');
    expect(clock.pending).to.equal(0);
    actor.stop();
  });

  it('a failed trial waits a full openMs again', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(circuitBreakerMachine, { input: { ...INPUT, failures: 1 }, clock }).start();
    actor.send(FAILED);
    await clock.advance(1000);
    actor.send({ type: 'TRIAL_STARTED' });
    actor.send({ ...TRIAL_FAILED, at: clock.now() });
    expect(actor.getSnapshot().value).to.equal('open');
    await clock.advance(999);
    expect(actor.getSnapshot().value).to.equal('open');
    await clock.advance(1);
    expect(actor.getSnapshot().value).to.equal('half-open');
    actor.stop();
  });
});
