/**
 * The server side of one request-API run, in its own process: starts the server of the spec
 * on a free port of 127.0.0.1, tells the parent where (`ready`), and when the parent says
 * `stop`, stops it and reports what it stored and the CPU time it used (`done`).
 * Argument: the IngestSpec as JSON.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { flow, sink, source } from '@sluice/core';
import { LmdbJournalStore, httpSource } from '@sluice/adapters';
import { run } from '@sluice/runtime';
import { INGEST_PATH, type IngestMessage, type IngestSpec } from './ingest-scenario.ts';
import { RssSampler } from './rss.ts';

/** A running server: `stop` ends it and resolves with the records it took. */
interface Running {
  readonly url: string;
  stop(): Promise<number>;
}

/** The flow: `httpSource` → a sink that counts, on LMDB with its default durability. */
async function startSluice(spec: IngestSpec): Promise<Running> {
  const path = await mkdtemp(join(spec.dir, 'sluice-bench-ingest-'));
  const port = await freePort();
  const store = LmdbJournalStore.open({ path });
  let records = 0;
  const counted = sink<unknown, number>('out', source('in', httpSource({ port, path: INGEST_PATH })), {
    open: () => ({ write: (values) => (records += values.length) }),
  });
  const handle = run(flow('bench-ingest', [counted]), { store });
  const url = `http://127.0.0.1:${String(port)}${INGEST_PATH}`;
  await listening(url);
  return {
    url,
    stop: async () => {
      await handle.stop();
      await store.close();
      await rm(path, { recursive: true, force: true });
      return records;
    },
  };
}

/** The same requests answered the same way (202 with the seqs) by node:http, nothing stored. */
async function startBare(): Promise<Running> {
  let seq = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      JSON.parse(text);
      seq++;
      const body = JSON.stringify({ seqs: [seq, seq] });
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${String(address.port)}${INGEST_PATH}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve(seq));
        server.closeAllConnections();
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Waits until the source's server answers: it listens once its stage opened. */
async function listening(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`${url} never answered`);
}

function send(message: IngestMessage): void {
  process.send?.(message);
}

async function main(spec: IngestSpec): Promise<void> {
  const running = spec.server === 'sluice-lmdb' ? await startSluice(spec) : await startBare();
  const sampler = new RssSampler();
  const cpu = process.cpuUsage();
  send({ type: 'ready', url: running.url });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const used = process.cpuUsage(cpu);
  const records = await running.stop();
  send({ type: 'done', records, cpuUs: used.user + used.system, memory: sampler.stop() });
  process.disconnect();
}

main(JSON.parse(process.argv[2] ?? '') as IngestSpec).catch((error: unknown) => {
  console.error(`ingest server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
