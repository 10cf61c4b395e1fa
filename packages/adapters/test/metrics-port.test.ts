import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ErrorCode, SluiceError, createMemoryJournalStore, flow, sink, source, transform, type Flow, type LogFields, type Logger } from '@sluice/core';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import { arraySource, LmdbJournalStore, run, type LocalRunOptions } from '../src/index.ts';
import { fixture, runSluice } from './support/cli-process.ts';

function numbersFlow(): Flow {
  const numbers = source('numbers', arraySource([1, 2, 3]));
  const doubled = transform('double', numbers, (n) => n * 2);
  return flow('numbers', [sink('out', doubled, { open: () => ({ write: (values) => values.length }) })]);
}

/** A logger that keeps its warn lines. */
function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields: LogFields, message: string) => void warnings.push(message),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

/** A real listener holding a port on 127.0.0.1 that the OS picked free. */
async function occupyPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port;

async function rejection(promise: PromiseLike<unknown>): Promise<SluiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SluiceError);
    return error as SluiceError;
  }
  throw new Error('the run should have been refused');
}

/** Asserts that a refused run left no run behind in the data directory. */
async function expectNothingWritten(dataDir: string): Promise<void> {
  const store = LmdbJournalStore.open({ path: dataDir });
  try {
    expect(await store.readMeta('runs'), 'no run was counted').to.equal(undefined);
    expect(await store.readMeta('flow'), 'no definition was stored').to.equal(undefined);
    expect(await store.lastSeq(SYSTEM_JOURNAL), 'no activity was written').to.equal(0);
  } finally {
    await store.close();
  }
}

describe('metrics port in use', function () {
  this.timeout(30_000);
  let holder: Server;
  let port: number;
  let cwd: string;
  beforeEach(async () => {
    holder = await occupyPort();
    port = portOf(holder);
    cwd = mkdtempSync(join(tmpdir(), 'sluice-metrics-port-'));
  });
  afterEach(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(cwd, { recursive: true, force: true });
  });

  it('a default port that is taken: one warning, and the run serves on a free port', async () => {
    const store = createMemoryJournalStore();
    const warnings: string[] = [];
    let url = '';
    let status = 0;
    const summary = await run(numbersFlow(), {
      store,
      logger: recordingLogger(warnings),
      config: { cwd, env: {}, file: false, defaults: { metricsPort: port } },
      onEndpoints: (endpoints) => (url = endpoints.metrics ?? ''),
      beforeStart: async () => {
        status = (await fetch(`${url}/metrics`)).status;
      },
    });
    await store.close();
    expect(summary.state).to.equal('completed');
    const served = Number(new URL(url).port);
    expect(served).to.be.greaterThan(0);
    expect(served).not.to.equal(port);
    expect(status).to.equal(200);
    const about = warnings.filter((w) => w.includes('metrics port'));
    expect(about).to.deep.equal([`metrics port ${port} on 127.0.0.1 is in use; serving metrics on port ${served} instead`]);
  });

  const explicit: readonly { what: string; hint: string; options: (port: number, cwd: string) => LocalRunOptions }[] = [
    { what: 'a flag', hint: '--metrics-port', options: (p, dir) => ({ config: { cwd: dir, env: {}, file: false, flags: { 'metrics-port': String(p) } } }) },
    { what: 'the environment', hint: 'SLUICE_METRICS_PORT', options: (p, dir) => ({ config: { cwd: dir, env: { SLUICE_METRICS_PORT: String(p) }, file: false } }) },
    {
      what: 'the config file',
      hint: '"metricsPort" in sluice.config.json',
      options: (p, dir) => {
        writeFileSync(join(dir, 'sluice.config.json'), JSON.stringify({ metricsPort: p }));
        return { config: { cwd: dir, env: {} } };
      },
    },
    { what: 'code', hint: 'the metricsPort option', options: (p, dir) => ({ metricsPort: p, config: { cwd: dir, env: {}, file: false } }) },
  ];
  for (const { what, hint, options } of explicit) {
    it(`a port from ${what} that is taken refuses the run before recovery, in one line, writing nothing`, async () => {
      const dataDir = join(cwd, 'data');
      // A CLI-style default elsewhere must not turn an explicit request into a fallback.
      const given = options(port, cwd);
      const error = await rejection(
        run(numbersFlow(), { ...given, dataDir, logLevel: 'silent', config: { ...given.config, defaults: { metricsPort: 0 } } }),
      );
      expect(error.code).to.equal(ErrorCode.Config);
      expect(error.message).to.equal(`metrics port ${port} on 127.0.0.1 is in use (set ${hint} to another port, 0 for any, or off)`);
      await expectNothingWritten(dataDir);
    });
  }

  it('sluice run --metrics-port on a taken port exits 1 with that line last on stderr, no stack, nothing written', async () => {
    const dataDir = join(cwd, 'data');
    const result = await runSluice(['run', fixture('checked-flow.ts'), '--metrics-port', String(port), '--data-dir', dataDir], {
      cwd,
      env: { FIXTURE_OUT: join(cwd, 'out') },
    });
    expect(result.code, result.stderr).to.equal(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).to.equal(`sluice: metrics port ${port} on 127.0.0.1 is in use (set --metrics-port to another port, 0 for any, or off)`);
    expect(result.stderr).not.to.match(/\n\s+at /);
    await expectNothingWritten(dataDir);
  });
});
