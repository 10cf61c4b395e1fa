import { expect } from 'chai';
import { describe, it } from 'mocha';
import { Counter, Registry } from 'prom-client';
import {
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  SimulatedClock,
  type JournalStore,
} from '@sluice/core';
import { run } from '@sluice/runtime';
import { arraySource } from '../src/io/array-source.ts';
import { PromMetrics } from '../src/metrics/prom-metrics.ts';
import { controlledSource, eventually, gatedSink } from './support/ops-flows.ts';
import { metricTypes, sampleValue } from './support/ops-metrics-text.ts';

const tenNumbers = (): ReturnType<typeof flow> => {
  const nums = source('nums', arraySource(Array.from({ length: 10 }, (_, i) => i + 1)));
  const checked = transform('check', nums, (n) => {
    if (n === 7) throw new Error('seven is not allowed');
    return n * 2;
  });
  return flow('numbers', [sink('out', checked, { open: () => ({ write: () => 0 }) })]);
};

describe('PromMetrics', () => {
  let store: JournalStore;
  beforeEach(() => {
    store = createMemoryJournalStore();
  });
  afterEach(() => store.close());

  describe('after a real run', () => {
    let text: string;
    let metrics: PromMetrics;
    beforeEach(async () => {
      metrics = new PromMetrics({ flow: 'numbers' });
      const summary = await run(tenNumbers(), { store, metrics });
      expect(summary.state).to.equal('completed');
      text = await metrics.registry.metrics();
    });

    it('counts records in, out and errors per stage', () => {
      const value = (name: string, stage: string): number | undefined =>
        sampleValue(text, `sluice_${name}`, { flow: 'numbers', stage });
      expect(value('stage_records_out_total', 'nums')).to.equal(10);
      expect(value('stage_records_in_total', 'nums')).to.equal(0);
      expect(value('stage_records_in_total', 'check')).to.equal(10);
      expect(value('stage_records_out_total', 'check')).to.equal(9);
      expect(value('stage_errors_total', 'check')).to.equal(1);
      expect(value('stage_records_in_total', 'out')).to.equal(9);
      expect(value('stage_errors_total', 'out')).to.equal(0);
    });

    it('observes batch sizes and handler time per batch', () => {
      const labels = { flow: 'numbers', stage: 'check' };
      const batches = sampleValue(text, 'sluice_stage_batch_size_count', labels) ?? 0;
      expect(batches).to.be.greaterThan(0);
      expect(sampleValue(text, 'sluice_stage_batch_size_sum', labels)).to.equal(10);
      expect(sampleValue(text, 'sluice_stage_handler_seconds_count', labels)).to.equal(batches);
      // A source's batch size is what it read.
      expect(sampleValue(text, 'sluice_stage_batch_size_sum', { stage: 'nums' })).to.equal(10);
    });

    it('exports stage and flow states as state sets', () => {
      for (const stage of ['nums', 'check', 'out']) {
        expect(sampleValue(text, 'sluice_stage_state', { stage, state: 'drained' })).to.equal(1);
        expect(sampleValue(text, 'sluice_stage_state', { stage, state: 'running' })).to.equal(0);
        expect(sampleValue(text, 'sluice_stage_state', { stage, state: 'failed' })).to.equal(0);
      }
      expect(
        sampleValue(text, 'sluice_flow_state', { flow: 'numbers', state: 'completed' }),
      ).to.equal(1);
      expect(
        sampleValue(text, 'sluice_flow_state', { flow: 'numbers', state: 'running' }),
      ).to.equal(0);
    });

    it('exports uptime, start time and earlier runs', () => {
      expect(sampleValue(text, 'sluice_flow_uptime_seconds', { flow: 'numbers' })).to.be.at.least(
        0,
      );
      const start = sampleValue(text, 'sluice_flow_start_time_seconds', { flow: 'numbers' }) ?? 0;
      expect(Math.abs(start - Date.now() / 1000)).to.be.lessThan(60);
      expect(sampleValue(text, 'sluice_flow_previous_runs', { flow: 'numbers' })).to.equal(0);
    });

    it('includes the default process metrics unprefixed, as prom-client names them', () => {
      expect(sampleValue(text, 'process_cpu_user_seconds_total')).to.be.a('number');
      expect(sampleValue(text, 'nodejs_heap_size_total_bytes')).to.be.a('number');
      expect(text).not.to.match(/^sluice_(process|nodejs)_/m);
    });

    it('uses valid Prometheus names: sluice_ prefix on its own, _total on counters and only on them', () => {
      const types = metricTypes(text);
      expect(types.size).to.be.greaterThan(10);
      for (const [name, type] of types) {
        expect(name).to.match(/^(sluice|process|nodejs)_[a-z0-9_]+$/);
        if (type === 'counter') expect(name).to.match(/_total$/);
        else expect(name).not.to.match(/_total$/);
      }
    });
  });

  it('counts earlier runs on the same store', async () => {
    await run(tenNumbers(), {
      store,
      metrics: new PromMetrics({ flow: 'numbers', collectDefaultMetrics: false }),
    });
    const second = new PromMetrics({ flow: 'numbers', collectDefaultMetrics: false });
    await run(tenNumbers(), { store, metrics: second });
    expect(sampleValue(await second.text(), 'sluice_flow_previous_runs')).to.equal(1);
  });

  it('reports the lag of an edge while its stage is behind, and a stall', async () => {
    const feed = controlledSource<number>();
    const out = gatedSink<number>();
    out.hold();
    const metrics = new PromMetrics({ flow: 'lagging', collectDefaultMetrics: false });
    const handle = run(flow('lagging', [sink('out', source('feed', feed.handler), out.handler)]), {
      store,
      metrics,
      livenessCheckMs: 10,
      stallAfterMs: 50,
      pollMaxMs: 10,
    });
    feed.push(1);
    await out.blocked();
    feed.push(2, 3, 4);
    const edge = { flow: 'lagging', stage: 'out', upstream: 'feed' };
    await eventually(
      async () => sampleValue(await metrics.text(), 'sluice_stage_lag_records', edge) === 4,
      'lag 4',
    );
    await eventually(
      async () => sampleValue(await metrics.text(), 'sluice_stage_stalled', edge) === 1,
      'a stall',
    );
    expect(sampleValue(await metrics.text(), 'sluice_stage_stalls_total', edge)).to.equal(1);
    out.release();
    await eventually(
      async () => sampleValue(await metrics.text(), 'sluice_stage_stalled', edge) === 0,
      'unstalled',
    );
    await eventually(
      async () => sampleValue(await metrics.text(), 'sluice_stage_lag_records', edge) === 0,
      'lag 0',
    );
    feed.end();
    expect((await handle).state).to.equal('completed');
    expect(out.received).to.deep.equal([1, 2, 3, 4]);
  });

  it('sets the stalled gauge and counts each stall once', async () => {
    const metrics = new PromMetrics({ flow: 'f', collectDefaultMetrics: false });
    const edge = { flow: 'f', stage: 'b', upstream: 'a' };
    const read = async (name: string): Promise<number | undefined> =>
      sampleValue(await metrics.text(), name, edge);
    metrics.stalled('b', 'a', true);
    expect(await read('sluice_stage_stalled')).to.equal(1);
    expect(await read('sluice_stage_stalls_total')).to.equal(1);
    metrics.stalled('b', 'a', true);
    expect(await read('sluice_stage_stalls_total')).to.equal(1);
    metrics.stalled('b', 'a', false);
    expect(await read('sluice_stage_stalled')).to.equal(0);
    metrics.stalled('b', 'a', true);
    expect(await read('sluice_stage_stalls_total')).to.equal(2);
  });

  it('measures uptime with its clock and freezes it when the flow ends', async () => {
    const clock = new SimulatedClock(10_000);
    const metrics = new PromMetrics({ flow: 'f', clock, collectDefaultMetrics: false });
    const uptime = async (): Promise<number | undefined> =>
      sampleValue(await metrics.text(), 'sluice_flow_uptime_seconds', { flow: 'f' });
    expect(await uptime()).to.equal(undefined);
    metrics.flowStarted({ startedAt: 10_000, previousRuns: 2 });
    clock.set(13_500);
    expect(await uptime()).to.equal(3.5);
    metrics.flowState('stopped');
    clock.set(20_000);
    expect(await uptime()).to.equal(3.5);
    expect(sampleValue(await metrics.text(), 'sluice_flow_previous_runs')).to.equal(2);
  });

  it('starts in the created state and accepts a state it does not know', async () => {
    const metrics = new PromMetrics({ flow: 'f', collectDefaultMetrics: false });
    expect(sampleValue(await metrics.text(), 'sluice_flow_state', { state: 'created' })).to.equal(
      1,
    );
    metrics.stageState('s', 'running');
    metrics.stageState('s', 'hibernating');
    const text = await metrics.text();
    expect(sampleValue(text, 'sluice_stage_state', { stage: 's', state: 'running' })).to.equal(0);
    expect(sampleValue(text, 'sluice_stage_state', { stage: 's', state: 'hibernating' })).to.equal(
      1,
    );
  });

  it('keeps instances on separate registries apart', async () => {
    const a = new PromMetrics({ flow: 'f' });
    const b = new PromMetrics({ flow: 'f' });
    a.batch('s', { in: 3, out: 3, errors: 0, handlerMs: 1 });
    b.batch('s', { in: 5, out: 4, errors: 1, handlerMs: 1 });
    expect(a.registry).not.to.equal(b.registry);
    expect(sampleValue(await a.text(), 'sluice_stage_records_in_total')).to.equal(3);
    expect(sampleValue(await b.text(), 'sluice_stage_records_in_total')).to.equal(5);
    expect(sampleValue(await b.text(), 'process_cpu_user_seconds_total')).to.be.a('number');
  });

  it('lets flows of different names share a registry', async () => {
    const registry = new Registry();
    const a = new PromMetrics({ flow: 'a', registry });
    const b = new PromMetrics({ flow: 'b', registry });
    a.batch('s', { in: 3, out: 3, errors: 0, handlerMs: 1 });
    b.batch('s', { in: 5, out: 5, errors: 0, handlerMs: 1 });
    const text = await registry.metrics();
    expect(sampleValue(text, 'sluice_stage_records_in_total', { flow: 'a' })).to.equal(3);
    expect(sampleValue(text, 'sluice_stage_records_in_total', { flow: 'b' })).to.equal(5);
    expect(sampleValue(text, 'sluice_flow_state', { flow: 'b', state: 'created' })).to.equal(1);
  });

  it('refuses a registry holding one of its names with another type', () => {
    const registry = new Registry();
    new Counter({ name: 'sluice_stage_state', help: 'x', registers: [registry] });
    expect(() => new PromMetrics({ flow: 'f', registry })).to.throw(
      /sluice_stage_state.*another type/,
    );
  });

  it('honours the prefix and leaves out the default metrics when asked', async () => {
    const metrics = new PromMetrics({ flow: 'f', prefix: 'etl_', collectDefaultMetrics: false });
    metrics.batch('s', { in: 1, out: 1, errors: 0, handlerMs: 2 });
    const text = await metrics.text();
    expect(sampleValue(text, 'etl_stage_records_in_total')).to.equal(1);
    expect(text).not.to.include('sluice_');
    expect(text).not.to.include('process_cpu');
  });
});
