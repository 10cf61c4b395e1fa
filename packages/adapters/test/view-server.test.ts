import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { flow, route, sink, source, transform, type Clock } from '@sluice/core';
import { run } from '@sluice/runtime';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { startViewServer, type ViewServer } from '../src/view/view-server.ts';
import type { MomentStage } from '../src/view/state-at.ts';
import { controlledSource, eventually, gatedSink } from './support/ops-flows.ts';
import { get, post } from './support/ops-http.ts';

interface Moment {
  readonly at: number;
  readonly pipeline: string;
  readonly stages: readonly MomentStage[];
}

/** The real clock shifted by `offset`: the test moves it a minute on between the phases of the run, without waiting. */
function shiftedClock(): Clock & { offset: number } {
  const clock: Clock & { offset: number } = {
    offset: 0,
    now: () => Date.now() + clock.offset,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
  };
  return clock;
}

describe('sluice view server over a finished run on LMDB', () => {
  let dir: string;
  let server: ViewServer | undefined;
  let mid: number;

  /** feed → half (odd numbers to the error lane) → out: 10 numbers, a minute later 20 more, then the end. */
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-view-'));
    const store = LmdbJournalStore.open({ path: dir });
    const clock = shiftedClock();
    const feed = controlledSource<number>();
    const out = gatedSink<number>();
    const half = transform('half', source('feed', feed.handler), (n) => {
      if (n % 2 === 1) throw new Error(`${n} is odd`);
      return n / 2;
    });
    const handle = run(flow('viewed', [sink('out', half, out.handler)]), { store, clock, pollMaxMs: 10 });
    feed.push(...Array.from({ length: 10 }, (_, i) => i + 1));
    try {
      await eventually(async () => (await handle.status()).stages.every((s) => s.inputs.every((i) => i.lag === 0) && (s.name !== 'out' || s.in === 5)), 'the first records through');
    } catch (error) {
      await handle.stop('cancel');
      await store.close();
      throw error;
    }
    clock.offset += 60_000;
    mid = clock.now() - 30_000;
    feed.push(...Array.from({ length: 20 }, (_, i) => i + 11));
    feed.end();
    await handle;
    await store.close();
    server = await startViewServer({ dir, port: 0 });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const at = async (t: number | string): Promise<Moment> => (await get<Moment>(`${server!.url}/view/at?t=${t}`)).body;
  const stage = (moment: Moment, name: string): MomentStage | undefined => moment.stages.find((s) => s.name === name);

  it('rebuilds an earlier moment: the counts and machine states of the middle of the run', async () => {
    const moment = await at(mid);
    expect(moment.pipeline).to.equal('running');
    expect(stage(moment, 'half')).to.deep.include({ state: 'running', out: 5, errors: 5, seq: 10 });
    expect(stage(moment, 'feed')).to.deep.include({ out: 10 });
    expect(stage(moment, 'out')?.state).to.equal('running');
    expect(stage(moment, 'half')?.inputs).to.deep.equal([{ upstream: 'feed', cursor: 10, lag: 0 }]);
  });

  it('shows the end of the run at its last moment', async () => {
    const { body: timeline } = await get<{ start: number; end: number; runs: number }>(`${server!.url}/view/timeline`);
    expect(timeline.runs).to.equal(1);
    expect(timeline.start).to.be.below(mid);
    expect(timeline.end).to.be.above(mid);
    const moment = await at(timeline.end);
    expect(moment.pipeline).to.equal('completed');
    expect(stage(moment, 'half')).to.deep.include({ state: 'drained', out: 15, errors: 15 });
    expect(stage(moment, 'feed')).to.deep.include({ out: 30 });
  });

  it('shows nothing started before the run', async () => {
    const { body: timeline } = await get<{ start: number }>(`${server!.url}/view/timeline`);
    const moment = await at(timeline.start - 1000);
    expect(stage(moment, 'half')).to.deep.include({ out: 0, errors: 0 });
  });

  it('serves the page and the record endpoints read-only, and refuses control', async () => {
    expect((await get(`${server!.url}/`)).status).to.equal(200);
    const { body: info } = await get<{ mode: string; readOnly: boolean }>(`${server!.url}/web/info`);
    expect(info).to.deep.include({ mode: 'view', readOnly: true });
    const { body } = await get<{ records: { payload: unknown }[] }>(`${server!.url}/stages/half/errors?last=1`);
    expect(body.records).to.have.length(1);
    const control = await post<{ error: string }>(`${server!.url}/control`, { action: 'pause' });
    expect(control.status).to.equal(409);
    expect(control.body.error).to.include('read-only');
  });

  it('answers a series of moments for the charts', async () => {
    const { body } = await get<{ stages: Record<string, [number, number, number][]> }>(`${server!.url}/view/series?points=10`);
    const points = body.stages['half'] ?? [];
    expect(points.length).to.be.within(2, 10);
  });

  it('refuses a moment that is not a number', async () => {
    const answer = await get<{ error: string }>(`${server!.url}/view/at?t=soon`);
    expect(answer.status).to.equal(400);
    expect(answer.body.error).to.include('t must be');
  });
});

describe('sluice view server: records that lead to no output of a consumer', () => {
  let dir: string;
  let server: ViewServer | undefined;
  let mid: number;
  const live = new Map<string, { in: number; lag: number }>();

  /** feed → parity (a route: even to port 0, odd to port 1) → evens, odds: 10 numbers, a minute later 10 more. */
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-view-route-'));
    const store = LmdbJournalStore.open({ path: dir });
    const clock = shiftedClock();
    const feed = controlledSource<number>();
    const [evens, odds] = route('parity', source('feed', feed.handler), (n) => n % 2, 2);
    const handle = run(flow('routed', [sink('evens', evens, gatedSink<number>().handler), sink('odds', odds, gatedSink<number>().handler)]), { store, clock, pollMaxMs: 10 });
    feed.push(...Array.from({ length: 10 }, (_, i) => i + 1));
    try {
      await eventually(async () => (await handle.status()).stages.every((s) => s.inputs.every((i) => i.lag === 0) && (s.kind !== 'sink' || s.in === 5)), 'the first records through');
      for (const s of (await handle.status()).stages) live.set(s.name, { in: s.in, lag: s.inputs.reduce((sum, i) => sum + i.lag, 0) });
    } catch (error) {
      await handle.stop('cancel');
      await store.close();
      throw error;
    }
    clock.offset += 60_000;
    mid = clock.now() - 30_000;
    feed.push(...Array.from({ length: 10 }, (_, i) => i + 11));
    feed.end();
    await handle;
    await store.close();
    server = await startViewServer({ dir, port: 0 });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a route\'s records for the other port neither as read nor as lag: the in and lag the live run reported', async () => {
    const moment = (await get<Moment>(`${server!.url}/view/at?t=${mid}`)).body;
    const shown = Object.fromEntries(moment.stages.map((s) => [s.name, { in: s.in, lag: s.lag }]));
    expect(shown['evens']).to.deep.equal(live.get('evens'));
    expect(shown['odds']).to.deep.equal(live.get('odds'));
    expect(shown['parity']).to.deep.equal(live.get('parity'));
  });
});
