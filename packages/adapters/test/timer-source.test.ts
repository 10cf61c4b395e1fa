import { expect } from 'chai';
import { SimulatedClock, createMemoryJournalStore, flow, sink, source, type SinkHandler } from '@sluice/core';
import { SYSTEM_JOURNAL, run, type ActivityEntry, type PipelineHandle } from '@sluice/runtime';
import { timerSource, type MissedTicks, type Tick, type TimerSourceOptions } from '../src/index.ts';

function collect(into: Tick[]): SinkHandler<Tick, number> {
  return {
    open: () => ({
      write: (values) => {
        into.push(...values);
        return into.length;
      },
    }),
  };
}

const ticking = (options: TimerSourceOptions, into: Tick[]) => flow('timer', [sink('out', source('ticks', timerSource(options)), collect(into))]);

/** Advances the clock `stepMs` at a time until `done()` (at most `limit` steps). */
async function advanceUntil(clock: SimulatedClock, done: () => boolean, stepMs = 100, limit = 10_000): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await clock.advance(stepMs);
  expect(done(), 'condition reached on the virtual clock').to.equal(true);
}

/** Waits, without moving the clock, until the stage has opened its source and runs. */
async function running(handle: PipelineHandle, stage: string): Promise<void> {
  for (let i = 0; i < 5000 && handle.stage(stage)?.snapshot().value !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(handle.stage(stage)?.snapshot().value).to.equal('running');
}

/** Settles when the run has ended, advancing the clock meanwhile. */
async function finish(clock: SimulatedClock, handle: PipelineHandle, stop: boolean, stepMs = 100): Promise<void> {
  const state = { ended: false };
  const ending = stop ? handle.stop('graceful') : Promise.resolve(handle);
  void Promise.resolve(handle).finally(() => (state.ended = true));
  await advanceUntil(clock, () => state.ended, stepMs);
  await ending;
}

describe('timerSource', () => {
  it('fires on a fixed interval on the run clock, committing each tick, and ends at its limit', async () => {
    const clock = new SimulatedClock(1_000_000);
    const store = createMemoryJournalStore();
    const ticks: Tick[] = [];
    const handle = run(ticking({ everyMs: 1000, limit: 4 }, ticks), { store, clock });
    await finish(clock, handle, false);
    expect(ticks.map((t) => t.tick)).to.deep.equal([1, 2, 3, 4]);
    const { anchor } = (await store.loadState('ticks')) as { anchor: number };
    expect(ticks.map((t) => t.scheduledAt)).to.deep.equal([1, 2, 3, 4].map((k) => anchor + k * 1000));
    for (const t of ticks) {
      expect(t.firedAt - t.scheduledAt, 'fires at its due time, woken by the clock').to.be.within(0, 99);
      expect(t.missed).to.equal(0);
    }
    expect(await store.loadState('ticks')).to.deep.include({ last: anchor + 4000, count: 4 });
  });

  it('fires on a cron schedule in a time zone', async () => {
    // 2026-03-02 is a Monday; 07:58 UTC is 08:58 in Paris.
    const clock = new SimulatedClock(Date.UTC(2026, 2, 2, 7, 58));
    const ticks: Tick[] = [];
    const handle = run(ticking({ cron: '0 9,10 * * 1-5', timezone: 'Europe/Paris', limit: 3 }, ticks), { store: createMemoryJournalStore(), clock });
    await running(handle, 'ticks');
    // Jump close to each due time (the run's poll timers make a day of 100 ms steps slow), then step.
    for (const [count, before] of [[1, '2026-03-02T07:59:59Z'], [2, '2026-03-02T08:59:59Z'], [3, '2026-03-03T07:59:59Z']] as const) {
      clock.set(Math.max(clock.now(), Date.parse(before)));
      await advanceUntil(clock, () => ticks.length >= count);
    }
    await finish(clock, handle, false);
    expect(ticks.map((t) => new Date(t.scheduledAt).toISOString())).to.deep.equal([
      '2026-03-02T08:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
      '2026-03-03T08:00:00.000Z',
    ]);
  });

  it('keeps its due times across a pause: ticks due during it fire on resume, in order, once', async () => {
    const clock = new SimulatedClock(0);
    const ticks: Tick[] = [];
    const handle = run(ticking({ everyMs: 1000, missed: 'fire-once' }, ticks), { store: createMemoryJournalStore(), clock });
    await running(handle, 'ticks');
    await advanceUntil(clock, () => ticks.length >= 2);
    handle.pause('test');
    await advanceUntil(clock, () => handle.snapshot().value === 'paused', 10);
    const paused = ticks.length;
    const last = ticks.at(-1)?.scheduledAt ?? 0;
    await advanceUntil(clock, () => clock.now() >= last + 3_500, 100);
    expect(ticks.length, 'nothing fires while paused').to.equal(paused);
    handle.resume('test');
    await advanceUntil(clock, () => ticks.some((t) => t.scheduledAt >= last + 4_000));
    await finish(clock, handle, true);
    const after = ticks.slice(paused).map((t) => t.scheduledAt - last);
    expect(after.slice(0, 4), 'the ticks due during the pause, then the next').to.deep.equal([1000, 2000, 3000, 4000]);
    expect(new Set(ticks.map((t) => t.tick)).size).to.equal(ticks.length);
  });

  it('refuses bad options when the flow is defined', () => {
    expect(() => timerSource({ cron: '61 * * * *' })).to.throw(/cron "61 \* \* \* \*" is invalid/);
    expect(() => timerSource({ cron: '* * * * *', timezone: 'Mars/Olympus' })).to.throw(/invalid/);
    expect(() => timerSource({})).to.throw(/exactly one of everyMs and cron/);
    expect(() => timerSource({ everyMs: 10, cron: '* * * * *' })).to.throw(/exactly one/);
    expect(() => timerSource({ everyMs: 0 })).to.throw(/positive integer/);
    expect(() => timerSource({ everyMs: 10, missed: 'sometimes' as MissedTicks })).to.throw(/missed must be/);
  });

  describe('across a restart, with ticks missed while the flow was down', () => {

    /**
     * Runs until 3 ticks, stops, stays down until 10.5 intervals after the last tick fired, then
     * runs again until the tick due 12 intervals after it has fired. Times are given relative to that
     * last tick of the first run.
     */
    async function downtime(missed: MissedTicks): Promise<{ first: Tick[]; second: Tick[]; activity: ActivityEntry[] }> {
      const clock = new SimulatedClock(0);
      const first: Tick[] = [];
      // The memory store, kept across the two runs: no real I/O for the virtual clock to outrun.
      const store = createMemoryJournalStore();
      let handle = run(ticking({ everyMs: 1000, missed }, first), { store, clock });
      await advanceUntil(clock, () => first.length >= 3);
      await finish(clock, handle, true);
      const last = first.at(-1)?.scheduledAt ?? 0;
      clock.set(last + 10_500);
      const second: Tick[] = [];
      handle = run(ticking({ everyMs: 1000, missed }, second), { store, clock });
      await running(handle, 'ticks');
      await advanceUntil(clock, () => second.some((t) => t.scheduledAt >= last + 12_000));
      await finish(clock, handle, true);
      const activity = (await store.read(SYSTEM_JOURNAL, 0, 10_000)).map((r) => r.payload as ActivityEntry);
      await store.close();
      const relative = (ticks: Tick[]) => ticks.map((t) => ({ ...t, scheduledAt: t.scheduledAt - last }));
      return { first: relative(first), second: relative(second), activity };
    }

    const notices = (activity: ActivityEntry[]) => activity.filter((e): e is Extract<ActivityEntry, { type: 'stage.notice' }> => e.type === 'stage.notice');

    it('fire-once: one tick for the missed ones, counting them; no tick fired twice', async () => {
      const { first, second, activity } = await downtime('fire-once');
      const n = first.length;
      const [caughtUp, ...rest] = second;
      expect(caughtUp).to.deep.include({ tick: n + 1, scheduledAt: 10_000, missed: 9 });
      expect(rest.map((t) => [t.tick, t.scheduledAt])).to.deep.equal([[n + 2, 11_000], [n + 3, 12_000]]);
      const [notice] = notices(activity);
      expect(notice).to.deep.include({ stage: 'ticks', kind: 'timer.missed' });
      expect(notice?.message).to.match(/10 ticks fell due while the flow was down; fired the last of them \(missed: fire-once\)/);
    });

    it('fire-all: every missed tick, in order', async () => {
      const { first, second, activity } = await downtime('fire-all');
      const twelve = Array.from({ length: 12 }, (_, i) => i + 1);
      expect(second.map((t) => t.scheduledAt)).to.deep.equal(twelve.map((k) => k * 1000));
      expect(second.map((t) => t.tick)).to.deep.equal(twelve.map((k) => first.length + k));
      expect(notices(activity)).to.have.length(1);
    });

    it('skip: none of the missed ticks; the next one fires on time', async () => {
      const { first, second, activity } = await downtime('skip');
      const n = first.length;
      expect(second.map((t) => [t.tick, t.scheduledAt])).to.deep.equal([[n + 1, 11_000], [n + 2, 12_000]]);
      const messages = notices(activity).map((e) => e.message);
      expect(messages).to.have.length(1);
      expect(messages[0]).to.match(/10 ticks fell due while the flow was down; skipped them/);
    });
  });
});
