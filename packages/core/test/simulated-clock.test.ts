import { expect } from 'chai';
import { SimulatedClock, sleep, systemClock, type Clock } from '@sluice/core';

describe('SimulatedClock', () => {
  it('starts where it is told and moves only when set or advanced', async () => {
    const clock = new SimulatedClock(1_000);
    expect(clock.now()).to.equal(1_000);
    clock.set(5_000);
    expect(clock.now()).to.equal(5_000);
    await clock.advance(250);
    expect(clock.now()).to.equal(5_250);
    expect(new SimulatedClock().now()).to.equal(0);
  });

  it('fires due timers in due-time order, each at its own time, and no later one', async () => {
    const clock = new SimulatedClock();
    const fired: [string, number][] = [];
    const at = (name: string): (() => void) => () => fired.push([name, clock.now()]);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a'), 10);
    clock.setTimeout(at('b1'), 20);
    clock.setTimeout(at('b2'), 20);
    clock.setTimeout(at('late'), 101);
    await clock.advance(100);
    expect(fired).to.deep.equal([
      ['a', 10],
      ['b1', 20],
      ['b2', 20],
      ['c', 30],
    ]);
    expect(clock.now()).to.equal(100);
    await clock.advance(1);
    expect(fired.at(-1)).to.deep.equal(['late', 101]);
  });

  it('does not fire a cleared timer, and fires nothing before its time', async () => {
    const clock = new SimulatedClock();
    let fired = 0;
    const id = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 10);
    clock.clearTimeout(id);
    clock.clearTimeout('not a timer');
    await clock.advance(9);
    expect(fired).to.equal(0);
    await clock.advance(1);
    expect(fired).to.equal(1);
  });

  it('fires timers that a firing timer schedules within the advanced range', async () => {
    const clock = new SimulatedClock();
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now());
      clock.setTimeout(tick, 25);
    };
    clock.setTimeout(tick, 25);
    await clock.advance(100);
    expect(ticks).to.deep.equal([25, 50, 75, 100]);
  });

  it('lets promise continuations run between timers, so chained async waits all complete', async () => {
    const clock = new SimulatedClock();
    const steps: number[] = [];
    const chain = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 10);
        // Several hops of microtasks between a timer and the next wait, as real code has.
        await Promise.resolve();
        await Promise.all([Promise.resolve(), Promise.resolve().then(() => Promise.resolve())]);
        steps.push(clock.now());
      }
    };
    const done = chain();
    await clock.advance(30);
    expect(steps).to.deep.equal([10, 20, 30]);
    await done;
  });

  it('runs a timer that is due when set() jumped past it on the next advance', async () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 10);
    clock.set(50);
    expect(fired).to.deep.equal([]);
    await clock.advance(0);
    expect(fired).to.deep.equal([50]);
  });

  it('has the shape of an XState clock', () => {
    const clock: Clock = new SimulatedClock();
    const xstateClock: { setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown; clearTimeout(id: unknown): void } =
      clock;
    expect(typeof xstateClock.setTimeout).to.equal('function');
  });
});

describe('sleep', () => {
  it('resolves after the clock reaches the time, not before', async () => {
    const clock = new SimulatedClock();
    let done = false;
    const slept = sleep(clock, 60_000).then(() => (done = true));
    await clock.advance(59_999);
    expect(done).to.equal(false);
    await clock.advance(1);
    expect(done).to.equal(true);
    await slept;
  });

  it('rejects with the reason when aborted, and clears its timer', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const slept = sleep(clock, 1_000, controller.signal);
    controller.abort(new Error('stopped'));
    let failure: unknown;
    await slept.catch((error: unknown) => (failure = error));
    expect((failure as Error).message).to.equal('stopped');
    expect(clock.pending).to.equal(0);
  });

  it('rejects at once for a signal already aborted, with an Error for a reason that is not one', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    controller.abort('gone');
    let failure: unknown;
    await sleep(clock, 10, controller.signal).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(Error);
    expect(clock.pending).to.equal(0);
  });

  it('waits on the system clock too, whose cleared timers never fire', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 0);
    systemClock.setTimeout(() => fired.push('kept'), 0);
    systemClock.clearTimeout(cleared);
    await sleep(systemClock, 5);
    expect(fired).to.deep.equal(['kept']);
  });
});
