import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  SimulatedClock,
  TerminalError,
  ErrorCode,
  FlowDefinitionError,
  flatMap,
  flow,
  sink,
  source,
  transform,
  type Clock,
  type Flow,
  type SinkHandler,
} from '@sluice/core';
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

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/** Waits on a condition (a server that listens, an answer that arrives), never on a fixed delay. */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await tick();
  }
  throw new Error(`${what} never happened`);
}

interface Order {
  readonly id: number;
  readonly qty?: number;
}

/** A sink that keeps what it was given; its writes wait while it is held. */
class Collect implements SinkHandler<unknown, number> {
  readonly seen: unknown[] = [];
  gate: Promise<void> | undefined;
  release: () => void = () => undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): { write: (values: readonly unknown[]) => Promise<number> } {
    return {
      write: async (values) => {
        await this.gate;
        this.seen.push(...values);
        return this.seen.length;
      },
    };
  }
}

type Shape = 'map' | 'flatMap';

function replyFlow(options: HttpSourceOptions<unknown>, out: Collect, shape: Shape = 'map'): Flow {
  const orders = source('in', httpSource(options)) as ReturnType<typeof source<Order>>;
  if (shape === 'flatMap') {
    const lines = flatMap('split', orders, (o: Order) => [{ id: o.id, part: 1 }, { id: o.id, part: 2 }]);
    return flow('reply', [sink('out', lines, out)]);
  }
  const priced = transform('price', orders, (o: Order) => {
    if (o.qty === undefined) throw new TerminalError(ErrorCode.MalformedInput, `order ${String(o.id)} has no qty`);
    return { id: o.id, total: o.qty * 10 };
  });
  return flow('reply', [sink('out', priced, out)]);
}

describe('httpSource reply', () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let url: string;
  let handle: PipelineHandle | undefined;
  let store: LmdbJournalStore | undefined;
  let out: Collect;

  async function start(options: Partial<HttpSourceOptions<unknown>> = {}, shape?: Shape, clock?: Clock): Promise<void> {
    store = LmdbJournalStore.open({ path: dataDir });
    handle = run(replyFlow({ port, reply: 'out', ...options }, out, shape), {
      store,
      ...(clock === undefined ? {} : { clock }),
      logLevel: 'silent',
      config: { cwd: dir, env: {}, file: false },
    });
    await until(() => fetch(url, { method: 'GET' }), `${url} answering`);
  }

  async function stop(): Promise<void> {
    const running = handle;
    handle = undefined;
    await running?.stop();
    await store?.close();
    store = undefined;
  }

  function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-http-reply-'));
    dataDir = join(dir, 'data');
    port = await freePort();
    url = `http://127.0.0.1:${port}/ingest`;
    out = new Collect();
  });

  afterEach(async () => {
    out.release();
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 200 with what the sink received for the request, transformed', async () => {
    await start();
    const one = await post({ id: 1, qty: 2 });
    expect(one.status).to.equal(200);
    expect(await one.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], results: [{ id: 1, total: 20 }] });
    const two = await post([{ id: 2, qty: 1 }, { id: 3, qty: 3 }]);
    expect(two.status).to.equal(200);
    expect(await two.json()).to.deep.equal({ id: '2-3', seqs: [2, 3], results: [{ id: 2, total: 10 }, { id: 3, total: 30 }] });
    expect(out.seen).to.have.length(3);
  });

  it('returns every output of a flatMap', async () => {
    await start({}, 'flatMap');
    const answer = await post({ id: 7 });
    expect(answer.status).to.equal(200);
    expect(await answer.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], results: [{ id: 7, part: 1 }, { id: 7, part: 2 }] });
  });

  it('answers 422 with the failure when a record went to an error lane on the way', async () => {
    await start();
    const answer = await post([{ id: 1, qty: 1 }, { id: 2 }]);
    expect(answer.status).to.equal(422);
    const body = (await answer.json()) as { error: string; failures: unknown[]; results: unknown[] };
    expect(body.error).to.contain('price').and.contain('order 2 has no qty');
    expect(body.failures).to.deep.equal([{ stage: 'price', code: 'MALFORMED_INPUT', message: 'order 2 has no qty' }]);
    expect(body.results).to.deep.equal([{ id: 1, total: 10 }]);
  });

  it('answers 202 with an id and a Location after replyTimeoutMs, and GET returns the result later', async () => {
    const clock = new SimulatedClock();
    await start({ replyTimeoutMs: 5000 }, 'map', clock);
    out.hold();
    let answer: Response | undefined;
    const posting = post({ id: 1, qty: 4 }).then((response) => (answer = response));
    // The reply timer runs on the run's clock: move it until the request gives up waiting.
    await until(async () => {
      await clock.advance(1000);
      return answer;
    }, 'the 202');
    await posting;
    expect(answer?.status).to.equal(202);
    expect(answer?.headers.get('location')).to.equal('/ingest/1-1');
    expect(await answer?.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], status: 'pending' });
    const pending = await fetch(`${url}/1-1`);
    expect(pending.status).to.equal(202);
    out.release();
    const done = await until(async () => {
      const response = await fetch(`${url}/1-1`);
      return response.status === 200 ? response : undefined;
    }, 'the 200');
    expect(await done.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], results: [{ id: 1, total: 40 }] });
  });

  it('GET returns the result from the journals after a restart', async () => {
    await start();
    expect((await post({ id: 1, qty: 1 })).status).to.equal(200);
    expect((await post([{ id: 2, qty: 2 }, { id: 3 }])).status).to.equal(422);
    await stop();
    await start();
    const first = await fetch(`${url}/1-1`);
    expect(first.status).to.equal(200);
    expect(await first.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], results: [{ id: 1, total: 10 }] });
    const second = await fetch(`${url}/2-3`);
    expect(second.status).to.equal(422);
    expect(((await second.json()) as { results: unknown[] }).results).to.deep.equal([{ id: 2, total: 20 }]);
  });

  it('answers a request still waiting when the flow stops 202 with its id, and the next run answers its GET', async () => {
    await start();
    out.hold();
    const posting = post({ id: 1, qty: 3 });
    await until(async () => ((await store?.read('in', 0, 1))?.length === 1 ? true : undefined), 'the record in the journal');
    const stopping = stop();
    const answer = await posting;
    expect(answer.status).to.equal(202);
    expect(answer.headers.get('location')).to.equal('/ingest/1-1');
    out.release();
    await stopping;
    await start();
    const later = await fetch(`${url}/1-1`);
    expect(later.status).to.equal(200);
    expect(await later.json()).to.deep.equal({ id: '1-1', seqs: [1, 1], results: [{ id: 1, total: 30 }] });
  });

  it('answers a retried POST with the same Idempotency-Key with the same reply', async () => {
    await start();
    const first = await post({ id: 1, qty: 5 }, { 'idempotency-key': 'k1' });
    const again = await post({ id: 1, qty: 5 }, { 'idempotency-key': 'k1' });
    expect(again.status).to.equal(200);
    expect(await again.json()).to.deep.equal(await first.json());
    expect(out.seen).to.have.length(1);
  });

  it('answers 404 for an unknown id', async () => {
    await start();
    expect((await post({ id: 1, qty: 1 })).status).to.equal(200);
    for (const id of ['2-2', '1-5', 'abc', '0-1', '3-2']) {
      const answer = await fetch(`${url}/${id}`);
      expect(answer.status, id).to.equal(404);
      expect(((await answer.json()) as { error: string }).error).to.contain(id);
    }
  });

  it('refuses a reply that names a stage that is not a sink, naming it, when the flow is defined', async () => {
    for (const reply of ['price', 'nowhere']) {
      expect(() => replyFlow({ port, reply }, out)).to.throw(FlowDefinitionError, `reply names stage "${reply}"`);
      const refused = await fetch(url).then(() => 'answered', () => 'refused');
      expect(refused).to.equal('refused');
    }
  });
});
