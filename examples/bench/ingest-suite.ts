import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { INGEST_SERVERS, type IngestMessage, type IngestResult, type IngestSpec } from './ingest-scenario.ts';
import { makePayload } from './payload.ts';
import { count } from './targets.ts';

const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));

/** One record per request, the bench's usual ~200-byte JSON. */
const BODY = JSON.stringify(makePayload(1, 0));

/** What the request-API suite measures. */
export interface IngestPlan {
  readonly connections: number;
  readonly seconds: number;
  readonly reps: number;
  readonly dir: string;
}

/** Defaults: 64 keep-alive clients, 3 s per run with `--quick` (1 repetition), else 10 s (3). */
export function ingestPlan(quick: boolean, dir: string): IngestPlan {
  return quick ? { connections: 64, seconds: 3, reps: 1, dir } : { connections: 64, seconds: 10, reps: 3, dir };
}

/**
 * Loads each server (Sluice's `httpSource`, then the bare node:http server) with autocannon
 * from this process while the server runs in a child of its own, repetition by repetition.
 * Each run gets a 1 s warm-up first, not measured.
 */
export async function runIngestSuite(plan: IngestPlan, extraArgs: readonly string[], log: (line: string) => void): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const total = plan.reps * INGEST_SERVERS.length;
  for (let rep = 0; rep < plan.reps; rep++) {
    for (const server of INGEST_SERVERS) {
      const spec: IngestSpec = { server, connections: plan.connections, seconds: plan.seconds, dir: plan.dir };
      const result = await runOne(spec, extraArgs);
      results.push(result);
      log(`  [${String(results.length)}/${String(total)}] ${server}, ${String(spec.connections)} clients: ${count(result.requestsPerSec)} requests/s, p99 ${result.p99Ms.toFixed(1)} ms`);
    }
  }
  return results;
}

async function runOne(spec: IngestSpec, extraArgs: readonly string[]): Promise<IngestResult> {
  const child = fork(CHILD, [JSON.stringify(spec)], { execArgv: [...process.execArgv, ...extraArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: IngestMessage[] = [];
  let notify: (() => void) | undefined;
  child.on('message', (message) => {
    messages.push(message as IngestMessage);
    notify?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); notify?.(); }));
  const next = async (type: IngestMessage['type']): Promise<IngestMessage> => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`the ${spec.server} server exited with ${String(child.exitCode)} before "${type}"`);
      await new Promise<void>((resolve) => (notify = resolve));
    }
  };
  const ready = await next('ready');
  if (ready.type !== 'ready') throw new Error('unexpected message');
  const warm = await load(ready.url, spec, 1);
  const measured = await load(ready.url, spec, spec.seconds);
  child.send('stop');
  const done = await next('done');
  await exited;
  if (done.type !== 'done') throw new Error('unexpected message');
  const ok = measured['2xx'];
  const failed = measured.non2xx + measured.errors + measured.timeouts + warm.non2xx + warm.errors + warm.timeouts;
  // Every acknowledged record was stored; beyond them only requests still in flight when a load run ended (one per client and run).
  const answered = warm['2xx'] + ok;
  if (failed > 0 || done.records < answered || done.records > answered + 2 * spec.connections) {
    throw new Error(`${spec.server}: ${String(failed)} requests failed, ${String(done.records)} records for ${String(answered)} answers`);
  }
  return {
    spec,
    requestsPerSec: ok / measured.duration,
    p50Ms: measured.latency.p50,
    p99Ms: measured.latency.p99,
    maxMs: measured.latency.max,
    ok,
    failed,
    records: done.records,
    cpuUsPerRequest: done.cpuUs / Math.max(1, done.records),
    memory: done.memory,
  };
}

function load(url: string, spec: IngestSpec, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
}
