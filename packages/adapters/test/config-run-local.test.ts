import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, transform, type Flow, type JournalStore, type SinkHandler } from '@sluice/core';
import { SYSTEM_JOURNAL, type ActivityEntry } from '@sluice/runtime';
import { arraySource, LmdbJournalStore, run } from '../src/index.ts';

function collect(into: number[]): SinkHandler<number, number> {
  return { open: () => ({ write: (values) => (into.push(...values), into.length) }) };
}

function numbersFlow(out: number[], count = 10): Flow {
  const numbers = source('numbers', arraySource(Array.from({ length: count }, (_, i) => i + 1)));
  const doubled = transform('double', numbers, (n) => n * 2);
  return flow('numbers', [sink('out', doubled, collect(out))]);
}

async function runStarted(store: JournalStore): Promise<Extract<ActivityEntry, { type: 'run.started' }>> {
  const [first] = await store.read(SYSTEM_JOURNAL, 0, 1);
  const entry = first?.payload as ActivityEntry;
  if (entry.type !== 'run.started') throw new Error(`first activity record is ${entry.type}`);
  return entry;
}

describe('run (embedded) with the configuration model', () => {
  let store: JournalStore;
  let cwd: string;
  beforeEach(() => {
    store = createMemoryJournalStore();
    cwd = mkdtempSync(join(tmpdir(), 'sluice-run-config-'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('writes the effective configuration, the source of each value and the pid in the run-started record', async () => {
    const out: number[] = [];
    const summary = await run(numbersFlow(out), {
      store,
      logLevel: 'silent',
      stallAfterMs: 5000,
      config: { cwd, env: { SLUICE_BATCH_SIZE: '7', SLUICE_STAGES__DOUBLE__CONCURRENCY: '2' }, file: false },
    });
    expect(summary.state).to.equal('completed');
    const started = await runStarted(store);
    expect(started.pid).to.equal(process.pid);
    const { values, sources } = started.options as { values: Record<string, unknown>; sources: Record<string, string> };
    expect(values).to.include({ batchSize: 7, stallAfterMs: 5000, logLevel: 'silent', metricsPort: 'off' });
    expect(values['stages']).to.deep.equal({ double: { concurrency: 2 } });
    expect(sources).to.include({
      batchSize: 'env',
      stallAfterMs: 'code',
      logLevel: 'code',
      metricsPort: 'default',
      'stages.double.concurrency': 'env',
    });
  });

  it('applies a per-stage batch size from the configuration', async () => {
    const out: number[] = [];
    const summary = await run(numbersFlow(out, 20), {
      store,
      logLevel: 'silent',
      config: { cwd, env: {}, file: false, flags: { stage: ['double.batchSize=3'] } },
    });
    expect(out).to.deep.equal(Array.from({ length: 20 }, (_, i) => (i + 1) * 2));
    expect(summary.stages['double']?.batches).to.be.at.least(7);
    expect(summary.stages['numbers']?.batches).to.be.at.most(2);
  });

  it('throws a CONFIG error naming a stage the flow does not have', () => {
    expect(() => run(numbersFlow([]), { store, logLevel: 'silent', stages: { dubble: { batchSize: 2 } }, config: { cwd, env: {}, file: false } }))
      .to.throw('run options: "stages.dubble.batchSize" names no stage of flow "numbers"');
  });

  it('serves the ops endpoints while the run goes on when metricsPort is set, and closes them after', async () => {
    let url = '';
    const answers: number[] = [];
    const summary = await run(numbersFlow([]), {
      store,
      logLevel: 'silent',
      metricsPort: 0,
      config: { cwd, env: {}, file: false },
      onEndpoints: (endpoints) => (url = endpoints.metrics ?? ''),
      beforeStart: async () => {
        for (const path of ['/metrics', '/health']) answers.push((await fetch(`${url}${path}`)).status);
      },
    });
    expect(summary.state).to.equal('completed');
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(answers[0]).to.equal(200);
    expect(answers[1], '/health answers (503 while materializing)').to.be.oneOf([200, 503]);
    let refused = false;
    await fetch(`${url}/health`).catch(() => (refused = true));
    expect(refused, 'the ops server is closed after the run').to.equal(true);
  });

  it('opens LMDB in the configured data directory and closes it after the run', async () => {
    const dataDir = join(cwd, 'data');
    const summary = await run(numbersFlow([]), { logLevel: 'silent', config: { cwd, env: { SLUICE_DATA_DIR: dataDir }, file: false } });
    expect(summary.state).to.equal('completed');
    const reopened = LmdbJournalStore.open({ path: dataDir });
    try {
      const started = await runStarted(reopened);
      expect((started.options as { sources: Record<string, string> }).sources['dataDir']).to.equal('env');
      expect(await reopened.lastSeq('numbers')).to.equal(11);
    } finally {
      await reopened.close();
    }
  });
});
