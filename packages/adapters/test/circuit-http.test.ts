import { expect } from 'chai';
import { afterEach, describe, it } from 'mocha';
import { createMemoryJournalStore, flow, SimulatedClock, sink, source, transform } from '@sluice/core';
import { run, type FlowStatus, type PipelineHandle } from '@sluice/runtime';
import { describeActivity } from '../src/cli/format-activity.ts';
import { startOpsServer, type OpsServer } from '../src/http/ops-server.ts';
import { PromMetrics } from '../src/metrics/prom-metrics.ts';
import { controlledSource, eventually } from './support/ops-flows.ts';
import { get } from './support/ops-http.ts';

type Circuit = { readonly state: string; readonly opened: number; readonly retryAfterMs?: number };

describe('circuit breaker in /flow and /metrics', () => {
  const store = createMemoryJournalStore();
  let handle: PipelineHandle | undefined;
  let server: OpsServer | undefined;
  afterEach(async () => {
    await handle?.stop('cancel').catch(() => undefined);
    await server?.close();
  });

  it('shows each protected stage\'s breaker state over real HTTP, and the metrics follow it', async () => {
    const clock = new SimulatedClock();
    const feed = controlledSource<number>();
    feed.push(1, 2, 3);
    const call = transform(
      'call',
      source('feed', feed.handler),
      (): number => {
        throw new Error('service down');
      },
      { circuitBreaker: { failures: 2, openMs: 1000 } },
    );
    const metrics = new PromMetrics({ flow: 'ops', collectDefaultMetrics: false, clock });
    handle = run(flow('ops', [sink('out', call, { open: () => ({ write: () => 0 }) })]), { store, clock, metrics });
    server = await startOpsServer({ handle, metrics, port: 0 });
    const url = server.url;
    const circuit = async (): Promise<Circuit | undefined> => {
      const status = (await get<FlowStatus>(`${url}/flow`)).body;
      return (status.stages.find((s) => s.name === 'call') as { readonly circuit?: Circuit } | undefined)?.circuit;
    };

    await eventually(async () => (await circuit())?.state === 'open', 'the breaker to open');
    expect(await circuit()).to.deep.equal({ state: 'open', consecutiveFailures: 2, opened: 1, retryAfterMs: 1000 });
    const feedStatus = (await get<FlowStatus>(`${url}/flow`)).body.stages.find((s) => s.name === 'feed');
    expect(feedStatus, 'a stage without a breaker shows none').not.to.have.property('circuit');
    let text = (await get<string>(`${url}/metrics`)).text;
    expect(text).to.include('sluice_stage_circuit_state{flow="ops",stage="call"} 2');
    expect(text).to.include('sluice_stage_circuit_opened_total{flow="ops",stage="call"} 1');

    await clock.advance(1000);
    expect((await circuit())?.state).to.equal('half-open');
    text = (await get<string>(`${url}/metrics`)).text;
    expect(text).to.include('sluice_stage_circuit_state{flow="ops",stage="call"} 1');
  });

  it('the CLI says what the breaker entries of the activity log mean', () => {
    expect(describeActivity({ type: 'stage.circuit.opened', run: 'r', stage: 'call', reopened: false, openMs: 500 })).to.equal(
      'stage call: circuit breaker opened; calls fail fast for 500 ms',
    );
    expect(describeActivity({ type: 'stage.circuit.closed', run: 'r', stage: 'call' })).to.equal('stage call: circuit breaker closed');
  });
});
