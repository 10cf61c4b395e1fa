import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LmdbJournalStore, type CommandRecord } from '@sluice/adapters';
import type { JournalRecord } from '@sluice/core';
import { freePort, startFlow, waitUntil, type FlowProcess } from './support/flow-process.ts';

interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly body: {
    readonly id?: string;
    readonly seqs?: [number, number];
    readonly results?: CommandRecord[];
    readonly error?: string;
    readonly failures?: { stage: string; code: string; message: string }[];
  };
}

/** The records of `journal`, read beside the running flow (no lock). */
async function journal(dataDir: string, name: string): Promise<readonly JournalRecord[]> {
  const store = LmdbJournalStore.open({ path: dataDir, lock: false });
  try {
    return await store.read(name, 0, 100_000);
  } finally {
    await store.close();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('examples/jobs: job requests over HTTP run as commands', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;
  let running: FlowProcess | undefined;

  async function start(): Promise<void> {
    running = startFlow(dataDir, env);
    const flow = running;
    // Listening once any answer comes back; a flow that died says why.
    await waitUntil(async () => {
      if (flow.child.exitCode !== null) throw new Error(`the flow exited: ${flow.output()}`);
      return fetch(`${base}/0-0`).then(
        () => true,
        () => false,
      );
    }, 'the flow to listen');
  }

  async function request(method: 'GET' | 'POST', url: string, job?: unknown): Promise<Answer> {
    const response = await fetch(url, {
      method,
      ...(job === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) }),
    });
    return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as Answer['body'] };
  }

  const post = (job: unknown): Promise<Answer> => request('POST', base, job);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-jobs-'));
    dataDir = join(dir, 'data');
    const port = await freePort();
    base = `http://127.0.0.1:${String(port)}/jobs`;
    env = { JOBS_PORT: String(port), JOBS_REPLY_TIMEOUT_MS: '1500', JOBS_RESULTS: join(dir, 'results.jsonl') };
    await start();
  });

  after(async () => {
    if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGTERM');
      const timer = setTimeout(() => running?.child.kill('SIGKILL'), 10_000);
      await running.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('echo: 200 with its output line and exit code 0', async () => {
    const answer = await post({ task: 'echo', args: ['hello', 'jobs'] });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const [line, exit] = answer.body.results ?? [];
    expect(line).to.deep.equal({ type: 'line', stream: 'stdout', line: 'hello jobs' });
    expect(exit).to.deep.include({ type: 'exit', code: 0, signal: null, timedOut: false });
    expect(answer.body.results).to.have.length(2);
  });

  it('count-lines: counts the lines of a file of the example', async () => {
    const answer = await post({ task: 'count-lines', file: 'poem.txt' });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.results?.[0]).to.deep.equal({ type: 'line', stream: 'stdout', line: '4 poem.txt' });
  });

  it('a job sent again with the same Idempotency-Key gets the first answer and runs once', async () => {
    const send = async (): Promise<Answer> => {
      const response = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'job-42' },
        body: JSON.stringify({ task: 'echo', args: ['once'] }),
      });
      return { status: response.status, location: null, body: (await response.json()) as Answer['body'] };
    };
    const first = await send();
    const again = await send();
    expect(first.status).to.equal(200);
    expect(again).to.deep.equal(first);
    const seq = first.body.seqs?.[0];
    const exits = (await journal(dataDir, 'run')).filter((r) => r.cause?.seq === seq && (r.payload as CommandRecord).type === 'exit');
    expect(exits).to.have.length(1);
  });

  it('an unknown task or bad arguments are refused with 400 and the reason, nothing appended', async () => {
    const before = (await journal(dataDir, 'jobs')).length;
    const unknown = await post({ task: 'rm', args: ['-rf', '/'] });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error).to.match(/unknown task "rm"/);
    const bad = await post({ task: 'sleep', seconds: '1; reboot' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.match(/seconds/);
    const outside = await post({ task: 'count-lines', file: '../flow.ts' });
    expect(outside.status).to.equal(400);
    expect(outside.body.error).to.match(/file/);
    expect((await journal(dataDir, 'jobs')).length, 'records in the source journal').to.equal(before);
  });

  it('fail: 422 naming the stage, the exit code and the stderr line', async () => {
    const answer = await post({ task: 'fail' });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
    expect(answer.body.failures?.[0]?.stage).to.equal('run');
    expect(answer.body.error).to.match(/"sh" exited with code 3; stderr: fail: this task always exits with 3/);
  });

  it('a job slower than the reply timeout: 202 with a Location, whose GET answers 200 once it ends', async () => {
    const answer = await post({ task: 'sleep', seconds: 2.5 });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    expect(answer.location).to.equal(`/jobs/${String(answer.body.id)}`);
    const url = new URL(answer.location ?? '', base).href;
    let later = await request('GET', url);
    await waitUntil(async () => (later = await request('GET', url)).status !== 202, 'the sleep to end');
    expect(later.status, JSON.stringify(later.body)).to.equal(200);
    expect(later.body.results).to.have.length(1);
    expect(later.body.results?.[0]).to.deep.include({ type: 'exit', code: 0 });
  });

  it('SIGKILLed while a sleep runs: the restart finishes it exactly once and GET by id answers', async () => {
    const answer = await post({ task: 'sleep', seconds: 4 });
    expect(answer.status).to.equal(202);
    const seq = answer.body.seqs?.[0] ?? 0;
    // The process is journaled as started (its pid in the intent) before the flow is killed.
    let pid = 0;
    await waitUntil(async () => {
      for (const record of await journal(dataDir, 'run$effects')) {
        const started = (record.payload as { value?: { started?: { pid: number } } }).value?.started;
        if (record.cause?.seq === seq && started !== undefined) pid = started.pid;
      }
      return pid !== 0;
    }, 'the sleep to start');
    running?.child.kill('SIGKILL');
    await running?.exited;
    expect(alive(pid), 'the sleep outlives the flow').to.equal(true);

    await start();
    const url = new URL(answer.location ?? '', base).href;
    let later = await request('GET', url);
    await waitUntil(async () => (later = await request('GET', url)).status !== 202, 'the sleep to end after the restart');
    expect(later.status, JSON.stringify(later.body)).to.equal(200);
    expect(later.body.results?.[0]).to.deep.include({ type: 'exit', code: 0 });
    expect(alive(pid), 'the orphaned sleep was killed').to.equal(false);
    const exits = (await journal(dataDir, 'run')).filter(
      (r) => r.cause?.seq === seq && r.kind === 'data' && (r.payload as CommandRecord).type === 'exit',
    );
    expect(exits, 'one exit record for the job').to.have.length(1);
    // The first run's answers are still there.
    expect((await request('GET', `${base}/1-1`)).status).to.equal(200);
  });
});
