import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import {
  SimulatedClock,
  createMemoryJournalStore,
  flow,
  sink,
  source,
  transform,
  type JournalStore,
} from '@sluice/core';
import { run, type FlowStatus, type PipelineHandle } from '@sluice/runtime';
import { listenOpsServer, startOpsServer, type OpsServer } from '../src/http/ops-server.ts';
import type { Health } from '../src/http/health.ts';
import { PromMetrics } from '../src/metrics/prom-metrics.ts';
import {
  controlledSource,
  eventually,
  gatedSink,
  type ControlledSource,
  type GatedSink,
} from './support/ops-flows.ts';
import { get, openSse, post, type SseClient } from './support/ops-http.ts';

/** Advances `clock` 10 ms at a time (the run's polls wait on it) until `promise` settles. */
async function advancing<T>(clock: SimulatedClock, promise: Promise<T>): Promise<T> {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  while (!state.settled) await clock.advance(10);
  return promise;
}

describe('ops server', () => {
  let store: JournalStore;
  let feed: ControlledSource<number>;
  let out: GatedSink<number>;
  let metrics: PromMetrics;
  let handle: PipelineHandle;
  let server: OpsServer | undefined;
  let streams: SseClient[];

  /** feed → double → out, which stays running until the test ends or stops it. */
  const start = async (
    options: { stallAfterMs?: number; heartbeatMs?: number; clock?: SimulatedClock } = {},
  ): Promise<OpsServer> => {
    metrics = new PromMetrics({ flow: 'ops', collectDefaultMetrics: false });
    const doubled = transform('double', source('feed', feed.handler), (n) => n * 2);
    handle = run(flow('ops', [sink('out', doubled, out.handler)]), {
      store,
      metrics,
      pollMaxMs: 10,
      livenessCheckMs: 10,
      stallAfterMs: options.stallAfterMs ?? 30_000,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    await handle.waitFor((s) => s.value === 'running', 5000);
    server = await startOpsServer({
      handle,
      metrics,
      port: 0,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    });
    return server;
  };
  const sse = async (url: string): Promise<SseClient> => {
    const client = await openSse(url);
    streams.push(client);
    return client;
  };

  beforeEach(() => {
    store = createMemoryJournalStore();
    feed = controlledSource<number>();
    out = gatedSink<number>();
    streams = [];
    server = undefined;
  });
  afterEach(async () => {
    for (const client of streams) client.close();
    out.release();
    await handle.stop('cancel').catch(() => undefined);
    await server?.close();
    await store.close();
  });

  it('listens on 127.0.0.1 on an ephemeral port', async () => {
    const { url, port } = await start();
    expect(port).to.be.greaterThan(0);
    expect(url).to.equal(`http://127.0.0.1:${port}`);
  });

  describe('GET /health', () => {
    it('answers 200, live and ready, while the flow runs', async () => {
      const { url } = await start();
      const { status, body } = await get<Health>(`${url}/health`);
      expect(status).to.equal(200);
      expect(body).to.deep.equal({
        live: true,
        ready: true,
        state: 'running',
        stages: { feed: 'running', double: 'running', out: 'running' },
      });
      expect((await get(`${url}/health/live`)).status).to.equal(200);
      expect((await get(`${url}/health/ready`)).status).to.equal(200);
    });

    it('stays ready while paused', async () => {
      const { url } = await start();
      handle.pause();
      await handle.waitFor((s) => s.value === 'paused', 5000);
      const { status, body } = await get<Health>(`${url}/health`);
      expect(status).to.equal(200);
      expect(body.state).to.equal('paused');
    });

    it('answers 503, not live, after a failure, saying why', async () => {
      const { url } = await start();
      feed.fail('the feed broke');
      const failed = await handle.then(
        () => 'resolved',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(failed).to.include('the feed broke');
      const { status, body } = await get<Health>(`${url}/health`);
      expect(status).to.equal(503);
      expect(body).to.include({ live: false, ready: false, state: 'failed' });
      expect(body.reason).to.match(/^pipeline failed: stage "feed": the feed broke/);
      expect((await get(`${url}/health/live`)).status).to.equal(503);
    });

    it('answers 503, live but not ready, while draining', async () => {
      const { url } = await start();
      out.hold();
      feed.push(1);
      await out.blocked();
      const stopped = handle.stop('graceful');
      await handle.waitFor((s) => s.value === 'draining', 5000);
      const { status, body } = await get<Health>(`${url}/health`);
      expect(status).to.equal(503);
      expect(body).to.include({
        live: true,
        ready: false,
        state: 'draining',
        reason: 'pipeline is draining',
      });
      expect((await get(`${url}/health/live`)).status).to.equal(200);
      expect((await get(`${url}/health/ready`)).status).to.equal(503);
      out.release();
      expect((await stopped).state).to.equal('stopped');
      expect(out.received).to.deep.equal([2]);
    });
  });

  describe('GET /flow', () => {
    it('shows the topology, each stage with state, counts and lag', async () => {
      const { url } = await start();
      feed.push(1, 2, 3);
      await eventually(() => out.received.length === 3, 'three records at the sink');
      const { status, body } = await get<FlowStatus>(`${url}/flow`);
      expect(status).to.equal(200);
      expect(body).to.include({ flow: 'ops', runId: handle.runId, state: 'running', previousRuns: 0 });
      expect(body.stages.map((s) => [s.name, s.kind, s.state])).to.deep.equal([
        ['feed', 'source', 'running'],
        ['double', 'map', 'running'],
        ['out', 'sink', 'running'],
      ]);
      const double = body.stages.find((s) => s.name === 'double');
      expect(double).to.include({ in: 3, out: 3, errors: 0 });
      expect(double?.inputs).to.deep.equal([
        { upstream: 'feed', cursor: 3, upstreamSeq: 3, lag: 0, stalled: false },
      ]);
      expect(body.stages.find((s) => s.name === 'out')?.inputs[0]).to.include({
        upstream: 'double',
        lag: 0,
      });
      expect(body.stages.find((s) => s.name === 'feed')?.inputs).to.deep.equal([]);
    });

    it('shows a stalled edge with its lag', async () => {
      // Liveness runs on the run's clock: the test moves it, so the stall needs no real waiting.
      const clock = new SimulatedClock();
      const { url } = await start({ stallAfterMs: 40, clock });
      out.hold();
      feed.push(1);
      await advancing(clock, out.blocked());
      feed.push(2, 3);
      await eventually(async () => {
        await clock.advance(10);
        const { body } = await get<FlowStatus>(`${url}/flow`);
        return body.stages.find((s) => s.name === 'out')?.inputs[0]?.stalled === true;
      }, 'a stalled edge into out');
      const { body } = await get<FlowStatus>(`${url}/flow`);
      expect(body.stages.find((s) => s.name === 'out')?.inputs[0]).to.include({
        upstream: 'double',
        lag: 3,
      });
    });

    it('answers 500 with the message when status fails', async () => {
      await start();
      const broken: PipelineHandle = Object.assign({}, handle, {
        status: () => Promise.reject(new Error('store is gone')),
      });
      const other = await startOpsServer({ handle: broken });
      try {
        const { status, body } = await get(`${other.url}/flow`);
        expect(status).to.equal(500);
        expect(body).to.deep.equal({ error: 'store is gone' });
      } finally {
        await other.close();
      }
    });
  });

  describe('POST /control', () => {
    it('pauses, resumes and stops the flow', async () => {
      const { url } = await start();
      const paused = await post(`${url}/control`, { action: 'pause' });
      expect(paused.status).to.equal(202);
      expect(paused.body).to.deep.equal({ accepted: true, action: 'pause' });
      await handle.waitFor((s) => s.value === 'paused', 5000);

      expect((await post(`${url}/control`, { action: 'resume' })).status).to.equal(202);
      await handle.waitFor((s) => s.value === 'running', 5000);
      feed.push(5);
      await eventually(() => out.received.length === 1, 'a record after resume');

      const stop = await post(`${url}/control`, { action: 'stop', mode: 'graceful' });
      expect(stop.status).to.equal(202);
      expect(stop.body).to.deep.equal({ accepted: true, action: 'stop', mode: 'graceful' });
      expect((await handle).state).to.equal('stopped');
      expect(out.received).to.deep.equal([10]);
    });

    it('answers 409 naming the state to control the state cannot take', async () => {
      const { url } = await start();
      const resumed = await post<{ error: string }>(`${url}/control`, { action: 'resume' });
      expect(resumed.status).to.equal(409);
      expect(resumed.body.error).to.match(/cannot resume flow "ops": the pipeline is running/);
      expect(handle.snapshot().value).to.equal('running');
    });

    it('answers 202 to a stop before the flow has drained', async () => {
      const { url } = await start();
      out.hold();
      feed.push(1);
      await out.blocked();
      const stop = await post(`${url}/control`, { action: 'stop' });
      expect(stop.body).to.deep.equal({ accepted: true, action: 'stop', mode: 'graceful' });
      expect(handle.snapshot().value).to.equal('draining');
      out.release();
      expect((await handle).state).to.equal('stopped');
    });

    it('cancels with mode cancel', async () => {
      const { url } = await start();
      expect((await post(`${url}/control`, { action: 'stop', mode: 'cancel' })).status).to.equal(
        202,
      );
      expect((await handle).state).to.equal('stopped');
    });

    it('answers 409 once the run is over', async () => {
      const { url } = await start();
      await handle.stop('cancel');
      const { status, body } = await post(`${url}/control`, { action: 'pause' });
      expect(status).to.equal(409);
      expect(body).to.deep.equal({ error: 'the run is over (pipeline stopped): nothing to pause' });
    });

    it('refuses bad requests with one line naming the problem', async () => {
      const { url } = await start();
      const cases: [unknown, number, RegExp][] = [
        ['{"action": ', 400, /^body is not valid JSON/],
        ['', 400, /^body is empty/],
        ['[1]', 400, /^body must be a JSON object/],
        [{}, 400, /^field "action" must be one of "pause", "resume", "stop"$/],
        [{ action: 'jump' }, 400, /^field "action"/],
        [
          { action: 'stop', mode: 'soon' },
          400,
          /^field "mode" must be one of "graceful", "cancel"$/,
        ],
        [{ action: 'pause', mdoe: 'cancel' }, 400, /^unknown field "mdoe"/],
        ['x'.repeat(70 * 1024), 413, /^body is larger than 65536 bytes$/],
      ];
      for (const [body, status, message] of cases) {
        const answer = await post<{ error: string }>(`${url}/control`, body);
        expect(answer.status, JSON.stringify(body).slice(0, 40)).to.equal(status);
        expect(Object.keys(answer.body)).to.deep.equal(['error']);
        expect(answer.body.error).to.match(message);
      }
      const plain = await post<{ error: string }>(
        `${url}/control`,
        '{"action":"pause"}',
        'text/plain',
      );
      expect(plain.status).to.equal(415);
      const wrongMethod = await get<{ error: string }>(`${url}/control`);
      expect(wrongMethod.status).to.equal(405);
      expect(wrongMethod.headers.get('allow')).to.equal('POST');
      expect(wrongMethod.body.error).to.equal('/control takes POST, not GET');
      expect(handle.snapshot().value).to.equal('running');
    });
  });

  describe('GET /events', () => {
    it('streams activity records as they are written', async () => {
      const { url } = await start();
      const events = await sse(`${url}/events`);
      expect(events.contentType).to.match(/^text\/event-stream/);
      await post(`${url}/control`, { action: 'pause' });
      const signal = await events.waitFor((f) => f.event === 'signal');
      expect(JSON.parse(signal.data ?? '')).to.include({
        type: 'signal',
        signal: 'pause',
        source: 'http',
        run: handle.runId,
      });
      const paused = await events.waitFor(
        (f) => f.event === 'pipeline.state' && f.data?.includes('"to":"paused"') === true,
      );
      const record = JSON.parse(paused.data ?? '') as { seq: number; from: string; to: string };
      expect(record).to.include({ from: 'running', to: 'paused' });
      expect(paused.id).to.equal(String(record.seq));
      expect(Number(paused.id)).to.be.greaterThan(Number(signal.id));
    });

    it('ends the stream when the run ends', async () => {
      const { url } = await start();
      const events = await sse(`${url}/events`);
      await events.waitFor((f) => f.comment?.startsWith('sluice activity') === true);
      await post(`${url}/control`, { action: 'stop', mode: 'graceful' });
      await events.ended;
      expect(events.frames.some((f) => f.event === 'shutdown')).to.equal(true);
      // After the run, a new stream ends at once.
      const late = await sse(`${url}/events`);
      await late.ended;
    });

    it('replays the journaled records after ?after= (or Last-Event-ID), then goes on live, each once', async () => {
      const { url } = await start();
      await post(`${url}/control`, { action: 'pause' });
      await handle.waitFor((s) => s.value === 'paused', 2000);
      const events = await sse(`${url}/events?after=0`);
      await events.waitFor((f) => f.event === 'signal');
      await post(`${url}/control`, { action: 'resume' });
      await events.waitFor((f) => f.event === 'pipeline.state' && f.data?.includes('"to":"running"') === true && Number(f.id) > 10);
      const ids = events.frames.flatMap((f) => (f.id === undefined ? [] : [Number(f.id)]));
      expect(ids[0]).to.equal(1);
      expect(events.frames.find((f) => f.id === '1')?.event).to.equal('run.started');
      expect(ids).to.deep.equal(Array.from({ length: ids.length }, (_, i) => i + 1));
    });

    it('sends comment heartbeats', async () => {
      const { url } = await start({ heartbeatMs: 20 });
      const events = await sse(`${url}/events`);
      await events.waitFor((f) => f.comment === 'heartbeat');
    });

    it('is ended by close() without hanging', async () => {
      const ops = await start();
      const events = await sse(`${ops.url}/events`);
      await events.waitFor((f) => f.comment !== undefined);
      await ops.close();
      await events.ended;
      await ops.close();
    });
  });

  describe('GET /metrics', () => {
    it('serves the registry in the Prometheus text format', async () => {
      const { url } = await start();
      feed.push(1, 2);
      await eventually(() => out.received.length === 2, 'two records at the sink');
      const { status, headers, text } = await get(`${url}/metrics`);
      expect(status).to.equal(200);
      expect(headers.get('content-type')).to.equal(metrics.registry.contentType);
      expect(text).to.include('sluice_stage_records_in_total{flow="ops",stage="double"} 2');
      expect(text).to.include('sluice_stage_state{flow="ops",stage="out",state="running"} 1');
    });

    it('answers 404 when the server has no metrics', async () => {
      await start();
      const bare = await startOpsServer({ handle });
      try {
        const { status, body } = await get<{ error: string }>(`${bare.url}/metrics`);
        expect(status).to.equal(404);
        expect(body.error).to.match(/no metrics here/);
      } finally {
        await bare.close();
      }
    });
  });

  it('answers 404 JSON to an unknown path', async () => {
    const { url } = await start();
    const { status, body } = await get<{ error: string }>(`${url}/nope?x=1`);
    expect(status).to.equal(404);
    expect(body.error).to.match(/^no route \/nope; routes: \/metrics, \/health/);
  });

  it('rejects when the port is taken', async () => {
    const { port } = await start();
    let error: unknown;
    try {
      await startOpsServer({ handle, port });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).to.be.instanceOf(Error).with.property('code', 'EADDRINUSE');
  });

  it('listens before it has a flow, answering 503 until it serves one', async () => {
    const listening = await listenOpsServer();
    try {
      const early = await get<{ error: string }>(`${listening.url}/health`);
      expect(early.status).to.equal(503);
      expect(early.body.error).to.equal('the flow is starting');
      await start();
      listening.serve({ handle, metrics });
      expect((await get(`${listening.url}/metrics`)).status).to.equal(200);
    } finally {
      await listening.close();
    }
  });
});
