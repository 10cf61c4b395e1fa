import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { withStore } from './support/cli-journal.ts';

const COUNT = 300;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An HTTP receiver on 127.0.0.1 that counts calls by idempotency key and takes a few ms each. */
async function receiver(): Promise<{ server: Server; url: string; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      const { n } = JSON.parse(body) as { n: number };
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ charged: n * 100 }));
      }, 3);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${String(address.port)}/charge`, calls };
}

describe('durable effects under SIGKILL (child processes, a real HTTP receiver)', function () {
  this.timeout(120_000);
  let dir: string;
  let http: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-effects-crash-'));
    http = await receiver();
  });
  afterEach(() => {
    http.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a transform, a stateful stage and a sink killed at random points and restarted: one outcome per input and stage, a key called again only for a call a kill cut off', async () => {
    const dataDir = join(dir, 'data');
    const args = ['run', fixture('effects-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_URL: http.url, FIXTURE_OUT: join(dir, 'out'), FIXTURE_COUNT: String(COUNT) }, timeoutMs: 60_000 };
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const before = http.calls.size;
      const child = startSluice(args, options);
      // Somewhere in the middle of the calls: between intent and call, during one, or before a batch commit.
      const until = Date.now() + 20_000;
      while (http.calls.size < before + 60 + Math.floor(Math.random() * 40) && Date.now() < until) await sleep(2);
      await sleep(Math.random() * 15);
      if (child.child.exitCode !== null) break;
      child.child.kill('SIGKILL');
      await child.exited;
      kills++;
    }
    const last = await runSluice(args, options);
    expect(last.code, last.stderr).to.equal(0);
    expect(last.stdout).to.match(/flow "effects" completed/);
    console.log(`      (${String(kills)} SIGKILLs, ${String([...http.calls.values()].filter((c) => c > 1).length)} keys called twice)`);

    // The file sink: every input once, with the receiver's answer and the running total of the reservations.
    const rows = readFileSync(join(dir, 'out', 'charged.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { n: number; charged: number; total: number });
    expect(rows.map((r) => r.n)).to.deep.equal(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(rows.every((r) => r.charged === r.n * 100)).to.equal(true);
    expect(rows.map((r) => r.total)).to.deep.equal(rows.map((r) => (r.n * (r.n + 1) * 100) / 2));

    // The receiver, per calling stage (transform, stateful, sink): every key at least once;
    // deduplicated by key, exactly once; a repeat only for a call a kill cut off.
    for (const stage of ['charge', 'tally', 'notify']) {
      const keys = [...http.calls.keys()].filter((key) => key.startsWith(`${stage}:`));
      expect(keys, stage).to.have.length(COUNT);
    }
    const repeats = [...http.calls.values()].reduce((sum, c) => sum + (c - 1), 0);
    expect(repeats, 'calls repeated (three stages call at once)').to.be.at.most(3 * kills);

    // The journals: exactly one outcome per key, in each calling stage.
    for (const stage of ['charge', 'tally', 'notify']) {
      const outcomes = await withStore(dataDir, async (store) => {
        const records = await store.read(`${stage}$effects`, 0, 100_000);
        return records.map((r) => r.payload as { value: { phase: string; key: string } }).filter((p) => p.value.phase === 'outcome').map((p) => p.value.key);
      });
      expect(new Set(outcomes).size, stage).to.equal(COUNT);
      expect(outcomes.length, `one outcome per key in ${stage}`).to.equal(COUNT);
    }
  });
});
