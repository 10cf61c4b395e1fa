import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { createMemoryJournalStore, flow, sink, source, transform, type JournalStore } from '@sluice/core';
import { run, type PipelineHandle } from '@sluice/runtime';
import { startOpsServer, type OpsServer } from '../src/http/ops-server.ts';
import type { WebRecord } from '../src/http/web-records.ts';
import { controlledSource, eventually, gatedSink, type ControlledSource, type GatedSink } from './support/ops-flows.ts';
import { get, openSse, type SseClient } from './support/ops-http.ts';

interface RecordsBody {
  readonly stage: string;
  readonly lastSeq: number;
  readonly total?: number;
  readonly records: readonly WebRecord[];
}

describe('web view endpoints of the ops server', () => {
  let store: JournalStore;
  let feed: ControlledSource<number>;
  let out: GatedSink<number>;
  let handle: PipelineHandle;
  let server: OpsServer;
  let streams: SseClient[];

  /** feed → half (odd numbers go to the error lane) → out, running until the test ends. */
  beforeEach(async () => {
    store = createMemoryJournalStore();
    feed = controlledSource<number>();
    out = gatedSink<number>();
    streams = [];
    const half = transform('half', source('feed', feed.handler), (n) => {
      if (n % 2 === 1) throw new Error(`${n} is odd`);
      return n / 2;
    });
    handle = run(flow('web', [sink('out', half, out.handler, { batchSize: 7 })]), { store, pollMaxMs: 10 });
    await handle.waitFor((s) => s.value === 'running', 5000);
    server = await startOpsServer({ handle, store, port: 0 });
    feed.push(...Array.from({ length: 30 }, (_, i) => i + 1));
    await eventually(() => out.received.length === 15, 'the sink to get the even numbers');
  });

  afterEach(async () => {
    for (const s of streams) s.close();
    feed.end();
    await handle.stop('cancel').catch(() => undefined);
    await server.close();
  });

  it('serves the page at / and its assets under /ui/, libraries included', async () => {
    const page = await get<string>(`${server.url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(page.text).to.include('/ui/app.js');
    for (const asset of ['app.js', 'style.css', 'vendor/elk.js', 'vendor/uplot.js', 'vendor/uplot.css']) {
      const answer = await get<string>(`${server.url}/ui/${asset}`);
      expect(answer.status, asset).to.equal(200);
      expect(answer.text.length, asset).to.be.greaterThan(100);
    }
    expect((await get(`${server.url}/ui/../package.json`)).status).to.equal(404);
    expect((await get(`${server.url}/ui/nope.js`)).status).to.equal(404);
  });

  it('describes the flow at /web/info: live mode, stages with kind, inputs and settings', async () => {
    const { body } = await get<{ mode: string; readOnly: boolean; stages: { name: string; kind: string; inputs: string[]; settings: Record<string, unknown> }[] }>(`${server.url}/web/info`);
    expect(body.mode).to.equal('live');
    expect(body.readOnly).to.equal(false);
    expect(body.stages.map((s) => [s.name, s.kind, s.inputs])).to.deep.equal([
      ['feed', 'source', []],
      ['half', 'map', ['feed']],
      ['out', 'sink', ['half']],
    ]);
    expect(body.stages[2]?.settings).to.deep.include({ batchSize: 7 });
  });

  it('answers a stage\'s last records with seq, payload and lineage', async () => {
    const { status, body } = await get<RecordsBody>(`${server.url}/stages/half/records?last=4`);
    expect(status).to.equal(200);
    expect(body.records.map((r) => r.seq)).to.deep.equal([27, 28, 29, 30]);
    const last = body.records.at(-1);
    expect(last?.kind).to.equal('data');
    expect(last?.payload).to.equal(15);
    expect(last?.cause).to.deep.equal({ stage: 'feed', seq: 30 });
  });

  it('answers the records up to a seq with upTo, as the view asks for a moment', async () => {
    const { body } = await get<RecordsBody>(`${server.url}/stages/half/records?last=2&upTo=10`);
    expect(body.records.map((r) => r.seq)).to.deep.equal([9, 10]);
    const errors = await get<RecordsBody>(`${server.url}/stages/half/errors?last=2&upTo=10`);
    expect(errors.body.records.map((r) => r.seq)).to.deep.equal([7, 9]);
    expect((await get(`${server.url}/stages/half/records?upTo=-1`)).status).to.equal(400);
  });

  it('answers a stage\'s error lane with the reasons and the total', async () => {
    const { body } = await get<RecordsBody>(`${server.url}/stages/half/errors?last=3`);
    expect(body.total).to.equal(15);
    expect(body.records.map((r) => r.cause?.seq)).to.deep.equal([25, 27, 29]);
    expect(body.records.every((r) => r.kind === 'error')).to.equal(true);
    expect((body.records[0]?.payload as { message: string }).message).to.include('25 is odd');
  });

  it('answers one record by stage and seq, so a lineage link can jump upstream', async () => {
    const { body } = await get<{ record: WebRecord }>(`${server.url}/records/half/30`);
    expect(body.record.cause).to.deep.equal({ stage: 'feed', seq: 30 });
    const upstream = await get<{ record: WebRecord }>(`${server.url}/records/feed/30`);
    expect(upstream.body.record.payload).to.equal(30);
  });

  it('answers a stage\'s recent state transitions from the activity log', async () => {
    const { body } = await get<{ activity: { type: string; to?: string }[] }>(`${server.url}/stages/half/activity`);
    expect(body.activity.filter((a) => a.type === 'stage.state').map((a) => a.to)).to.include('running');
  });

  it('refuses unknown stages, seqs and bad arguments with a JSON error naming them', async () => {
    const unknown = await get<{ error: string }>(`${server.url}/stages/nope/records`);
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error).to.include('stages: feed, half, out');
    const beyond = await get<{ error: string }>(`${server.url}/records/half/99`);
    expect(beyond.status).to.equal(404);
    expect(beyond.body.error).to.include('ends at 30');
    expect((await get(`${server.url}/records/half/x`)).status).to.equal(400);
    expect((await get(`${server.url}/stages/half/records?last=0`)).status).to.equal(400);
    expect((await get(`${server.url}/stages/half/nope`)).status).to.equal(404);
  });

  it('adds throttled counters frames to /events when asked, and none otherwise', async () => {
    const plain = await openSse(`${server.url}/events?after=0`);
    const counted = await openSse(`${server.url}/events?counters=10`);
    streams.push(plain, counted);
    const frame = await counted.waitFor((f) => f.event === 'counters');
    expect(frame.id).to.equal(undefined);
    const data = JSON.parse(frame.data ?? '{}') as { stages: { name: string; in: number; out: number; errors: number }[] };
    expect(data.stages.find((s) => s.name === 'half')).to.deep.include({ in: 30, out: 15, errors: 15 });
    await plain.waitFor((f) => f.event === 'stage.state');
    expect(plain.frames.some((f) => f.event === 'counters')).to.equal(false);
  });
});
