import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, type Flow, type SourceHandler } from '@sluice/core';
import { run as runtimeRun, type PipelineHandle } from '@sluice/runtime';
import { controlAddress, readControlRecord, socketPath } from '../src/control/control-file.ts';
import { openControlEndpoint } from '../src/control/control-endpoint.ts';
import { sendControl } from '../src/control/control-client.ts';
import { run } from '../src/run-local.ts';
import { waitUntil } from './support/cli-process.ts';

/** A source that never ends on its own: one number per read, a few ms apart. */
const endless: SourceHandler<number, number> = {
  open(position) {
    let next = position ?? 0;
    return {
      read: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { values: [(next += 1)], position: next, done: false };
      },
    };
  },
};

function endlessFlow(): Flow {
  return flow('ticks', [sink('out', source('numbers', endless), { open: () => ({ write: () => undefined }) })]);
}

/** Sends one raw line to the endpoint at `address` and resolves with the parsed answer line. */
function rawRequest(address: string, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath(address) });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', reject);
  });
}

function refusedConnect(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath(address) });
    socket.on('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe('control endpoint of a run on a data directory', function () {
  this.timeout(20_000);
  let dir: string;
  /** Stopped after a failed test, so that its endless flow does not keep mocha alive. */
  let running: PipelineHandle | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-signal-endpoint-'));
  });
  afterEach(async () => {
    await running?.stop('cancel').catch(() => undefined);
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('the embedded run opens it after the lock, records it in CONTROL, answers signals, and closes it at the end', async () => {
    const dataDir = join(dir, 'data');
    const handle = run(endlessFlow(), { dataDir, logLevel: 'silent', config: { cwd: dir, env: {}, file: false } });
    running = handle;
    await waitUntil(() => readControlRecord(dataDir)?.run === handle.runId, 10_000, 'the CONTROL file');
    const record = readControlRecord(dataDir);
    expect(record).to.include({ pid: process.pid, flow: 'ticks', run: handle.runId });
    if (process.platform === 'linux') expect(record?.address).to.match(/^@sluice-control-[0-9a-f]{32}$/);
    expect(statSync(join(dataDir, 'CONTROL')).mode & 0o077, 'CONTROL holds the token: owner only').to.equal(0);

    const paused = await sendControl(dataDir, { signal: 'pause', source: 'signal (test)' });
    expect(paused).to.deep.include({ kind: 'answered', answer: { ok: true, state: 'paused' } });
    expect(handle.snapshot().value).to.equal('paused');
    const again = await sendControl(dataDir, { signal: 'pause', source: 'signal (test)' });
    expect(again).to.deep.include({ kind: 'answered', answer: { ok: false, error: 'cannot pause flow "ticks": the pipeline is paused' } });
    // The activity log is group-committed: the records come a moment after the answer.
    const signals = async (): Promise<unknown[]> => (await handle.activityAfter(0)).filter((e) => e.type === 'signal');
    await waitUntil(async () => (await signals()).length === 2, 10_000, 'both signals in the activity log');
    expect((await signals())[0]).to.include({ signal: 'pause', source: 'signal (test)' });

    const address = record?.address ?? '';
    const token = record?.token ?? '';
    expect(await rawRequest(address, 'pause please')).to.deep.equal({ ok: false, error: 'the request is not a JSON line' });
    expect(await rawRequest(address, JSON.stringify({ signal: 'resume', token, colour: 'red' }))).to.deep.equal({
      ok: false,
      error: 'unknown field "colour": expected "signal", "mode", "source", "token"',
    });
    expect(await rawRequest(address, JSON.stringify({ signal: 'halt', token }))).to.deep.equal({
      ok: false,
      error: 'field "signal" must be one of "pause", "resume", "stop"',
    });
    expect(await rawRequest(address, JSON.stringify({ signal: 'resume', token, source: 7 }))).to.deep.equal({
      ok: false,
      error: 'field "source" must be a string of 1 to 200 characters',
    });
    expect(await rawRequest(address, JSON.stringify({ signal: 'resume', token: 'guess' }))).to.deep.equal({
      ok: false,
      error: 'field "token" does not match the CONTROL file of this run',
    });
    expect(handle.snapshot().value, 'no refused request changed anything').to.equal('paused');
    expect(await rawRequest(address, JSON.stringify({ signal: 'resume', token }))).to.deep.equal({ ok: true, state: 'running' });

    const stopping = await sendControl(dataDir, { signal: 'stop', mode: 'cancel', source: 'signal (test)' });
    expect(stopping).to.deep.include({ kind: 'answered' });
    expect((await handle).state).to.equal('stopped');
    expect(existsSync(join(dataDir, 'CONTROL')), 'CONTROL removed').to.equal(false);
    expect(await refusedConnect(address)).to.be.oneOf(['ECONNREFUSED', 'ENOENT']);
    expect(await sendControl(dataDir, { signal: 'pause', source: 'x' })).to.deep.equal({ kind: 'nothing-running' });
  });

  it('a run on a store the caller gave without a data directory of its own opens none', async () => {
    const store = createMemoryJournalStore();
    const dataDir = join(dir, 'unused');
    const handle = run(endlessFlow(), { store, dataDir, logLevel: 'silent', config: { cwd: dir, env: {}, file: false } });
    running = handle;
    await handle.waitFor((s) => s.value === 'running', 10_000);
    expect(existsSync(join(dataDir, 'CONTROL'))).to.equal(false);
    await handle.stop('cancel');
    await store.close();
  });

  it('elsewhere than Linux: a socket file in the directory, or under the temp dir for a long path; removed at close', async function () {
    // Hang detection only: an idle client kept alive would hold close() up for the 10 s idle timeout.
    this.timeout(8_000);
    expect(controlAddress(dir, 'file')).to.equal(join(dir, 'control.sock'));
    const long = join(dir, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(long, { recursive: true });
    const fallback = controlAddress(long, 'file');
    expect(fallback).to.match(new RegExp(`^${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/sluice-[0-9a-f]{16}\\.sock$`));
    expect(controlAddress(long, 'file'), 'the same name each time').to.equal(fallback);

    const store = createMemoryJournalStore();
    const handle: PipelineHandle = runtimeRun(endlessFlow(), { store });
    running = handle;
    await handle.waitFor((s) => s.value === 'running', 10_000);
    for (const where of [dir, long]) {
      const endpoint = await openControlEndpoint({ dir: where, handle, method: 'file' });
      expect(existsSync(endpoint.address)).to.equal(true);
      expect(readControlRecord(where)?.address).to.equal(endpoint.address);
      expect(await sendControl(where, { signal: 'pause', source: 'file test' })).to.deep.include({ kind: 'answered', answer: { ok: true, state: 'paused' } });
      expect(await sendControl(where, { signal: 'resume', source: 'file test' })).to.deep.include({ kind: 'answered', answer: { ok: true, state: 'running' } });
      // A client that connects and never sends a line does not hold the end of the run up.
      const idle = connect({ path: endpoint.address });
      const idleClosed = new Promise((resolve) => idle.on('close', resolve));
      idle.on('error', () => undefined);
      await new Promise((resolve) => idle.on('connect', resolve));
      await endpoint.close();
      await idleClosed;
      expect(existsSync(endpoint.address), 'socket file removed').to.equal(false);
      expect(readControlRecord(where)).to.equal(undefined);
    }
    await handle.stop('cancel');
    await store.close();
  });
});
