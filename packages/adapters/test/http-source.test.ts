import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SimulatedClock, flow, sink, source, type Clock, type Flow, type JournalRecord, type SinkHandler } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import { httpSource, type HttpSourceOptions } from '../src/io/http-source.ts';
import { run } from '../src/run-local.ts';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

const discard: SinkHandler<unknown, number> = { open: () => ({ write: () => 0 }) };

function ingestFlow(options: HttpSourceOptions<unknown>): Flow {
  return flow('ingest', [sink('out', source('in', httpSource(options)), discard)]);
}

/** Polls until the source answers (its server listens once the stage opened). */
async function until(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`${url} never answered`);
}


describe('httpSource', () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let url: string;
  let handle: PipelineHandle | undefined;
  // The run's own store: a second LMDB environment on the same directory in one process would deadlock.
  let store: LmdbJournalStore | undefined;

  /** The source's journal as the store serves it: only what is durable. */
  async function journal(): Promise<JournalRecord[]> {
    if (store === undefined) throw new Error('no run');
    return [...(await store.read('in', 0, 1000))];
  }

  async function start(options: Partial<HttpSourceOptions<unknown>> = {}, clock?: Clock): Promise<void> {
    store = LmdbJournalStore.open({ path: dataDir });
    handle = run(ingestFlow({ port, ...options }), {
      store,
      ...(clock === undefined ? {} : { clock }),
      // Small batches, so that a request of 250 records spans three of them.
      batchSize: 100,
      logLevel: 'silent',
      config: { cwd: dir, env: {}, file: false },
    });
    await until(url);
  }

  async function stop(): Promise<void> {
    const running = handle;
    handle = undefined;
    await running?.stop();
    await store?.close();
    store = undefined;
  }

  function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-http-source-'));
    dataDir = join(dir, 'data');
    port = await freePort();
    url = `http://127.0.0.1:${port}/ingest`;
  });

  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes its stage when a request arrives, instead of waiting for the next poll', async () => {
    // On a clock that never moves, the stage's poll never comes: only the wake-up reads the request.
    await start({ acceptTimeoutMs: 2000 }, new SimulatedClock());
    await new Promise((resolve) => setTimeout(resolve, 50)); // the source is idle, waiting
    const answer = await post(JSON.stringify({ id: 1 }));
    expect(answer.status).to.equal(202);
    expect(await answer.json()).to.deep.equal({ seqs: [1, 1] });
  });

  it('answers 202 with the seqs once the records are in the journal', async () => {
    await start();
    const one = await post(JSON.stringify({ id: 1 }));
    expect(one.status).to.equal(202);
    expect(await one.json()).to.deep.equal({ seqs: [1, 1] });
    expect((await journal()).map((r) => r.payload)).to.deep.equal([{ id: 1 }]);
    const many = await post(JSON.stringify([{ id: 2 }, { id: 3 }]));
    expect(await many.json()).to.deep.equal({ seqs: [2, 3] });
    const lines = await post('{"id":4}\n{"id":5}\n', { 'content-type': 'application/x-ndjson' });
    expect(lines.status).to.equal(202);
    expect(await lines.json()).to.deep.equal({ seqs: [4, 5] });
    const records = await journal();
    expect(records.map((r) => [r.seq, r.payload])).to.deep.equal([
      [1, { id: 1 }],
      [2, { id: 2 }],
      [3, { id: 3 }],
      [4, { id: 4 }],
      [5, { id: 5 }],
    ]);
  });

  it('gives the seqs of a request spread over several batches', async () => {
    await start();
    const items = Array.from({ length: 250 }, (_, i) => ({ i }));
    const answers = await Promise.all([post(JSON.stringify(items)), post(JSON.stringify({ i: 'x' }))]);
    const seqs = await Promise.all(answers.map(async (a) => ((await a.json()) as { seqs: [number, number] }).seqs));
    const records = await journal();
    expect(records).to.have.length(251);
    const [big] = seqs;
    if (big === undefined) throw new Error('no answer');
    const payloads = records.filter((r) => r.seq >= big[0] && r.seq <= big[1]).map((r) => r.payload);
    expect(payloads).to.deep.equal(items);
  });

  it('refuses NDJSON with a bad line with 400 naming the line, and appends nothing of it', async () => {
    await start();
    const bad = await post('{"id":1}\n{"id":2}\n{"id":\n', { 'content-type': 'application/x-ndjson' });
    expect(bad.status).to.equal(400);
    const body = (await bad.json()) as { error: string; line: number };
    expect(body.line).to.equal(3);
    expect(body.error).to.match(/line 3/);
    const bare = await post('{"id": 1,}');
    expect(bare.status).to.equal(400);
    expect(((await bare.json()) as { error: string }).error).to.be.a('string');
    expect(await journal()).to.deep.equal([]);
  });

  it('refuses a record the validator rejects with 400', async () => {
    await start({
      validate: (value) => {
        if (typeof value !== 'object' || value === null || !('id' in value)) throw new Error('id is missing');
        return value;
      },
    });
    const bad = await post('{"id":1}\n{"name":"x"}\n', { 'content-type': 'application/x-ndjson' });
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.equal({ error: 'line 2: id is missing', line: 2 });
    expect(await journal()).to.deep.equal([]);
  });

  it('answers a retried Idempotency-Key with the first answer and appends once', async () => {
    await start();
    const headers = { 'idempotency-key': 'order-7' };
    const first = await post(JSON.stringify([{ id: 1 }, { id: 2 }]), headers);
    const again = await post(JSON.stringify([{ id: 1 }, { id: 2 }]), headers);
    expect(await first.json()).to.deep.equal({ seqs: [1, 2] });
    expect(again.status).to.equal(202);
    expect(await again.json()).to.deep.equal({ seqs: [1, 2] });
    const both = await Promise.all([post('{"id":3}', { 'idempotency-key': 'k3' }), post('{"id":3}', { 'idempotency-key': 'k3' })]);
    const answers = await Promise.all(both.map((a) => a.json()));
    expect(answers).to.deep.equal([{ seqs: [3, 3] }, { seqs: [3, 3] }]);
    expect(await journal()).to.have.length(3);
  });

  it('keeps the Idempotency-Key answers across a stop and a new run', async () => {
    await start();
    const first = await post('{"id":1}', { 'idempotency-key': 'a' });
    expect(await first.json()).to.deep.equal({ seqs: [1, 1] });
    await stop();
    await start();
    const again = await post('{"id":1}', { 'idempotency-key': 'a' });
    expect(again.status).to.equal(202);
    expect(await again.json()).to.deep.equal({ seqs: [1, 1] });
    const next = await post('{"id":2}', { 'idempotency-key': 'b' });
    expect(await next.json()).to.deep.equal({ seqs: [2, 2] });
    expect((await journal()).map((r) => r.payload)).to.deep.equal([{ id: 1 }, { id: 2 }]);
  });

  it('answers 413 over maxBodyBytes, 405 for other methods and 404 for other paths', async () => {
    await start({ maxBodyBytes: 64 });
    const big = await post(JSON.stringify({ text: 'x'.repeat(100) }));
    expect(big.status).to.equal(413);
    expect(await big.json()).to.have.property('error');
    const get = await fetch(url);
    expect(get.status).to.equal(405);
    expect(get.headers.get('allow')).to.equal('POST');
    expect(await get.json()).to.have.property('error');
    const other = await fetch(`http://127.0.0.1:${port}/elsewhere`, { method: 'POST', body: '{}' });
    expect(other.status).to.equal(404);
    expect(await other.json()).to.have.property('error');
    expect(await journal()).to.deep.equal([]);
  });

  it('answers 503 with Retry-After while the flow is paused, and appends nothing of it', async () => {
    await start({ acceptTimeoutMs: 100 });
    expect((await post('{"id":1}')).status).to.equal(202);
    handle?.pause();
    await handle?.waitFor((s) => s.value === 'paused', 5000);
    const refused = await post('{"id":2}');
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await refused.json()).to.have.property('error');
    handle?.resume();
    const later = await post('{"id":3}');
    expect(await later.json()).to.deep.equal({ seqs: [2, 2] });
    expect((await journal()).map((r) => r.payload)).to.deep.equal([{ id: 1 }, { id: 3 }]);
  });
});
