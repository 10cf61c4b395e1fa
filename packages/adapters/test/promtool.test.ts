import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { flow, sink, source, transform } from '@sluice/core';
import { run } from '../src/index.ts';
import { controlledSource, eventually, gatedSink } from './support/ops-flows.ts';

/** Runs `promtool check metrics` on `text`; fails (never skips) when promtool is missing. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (missing) throw new Error('promtool is not installed: install the Debian package "prometheus" (apt-get install prometheus); CI installs it');
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('/metrics passes promtool check metrics', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-promtool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a live scrape of a running flow, default process metrics included, has no problems', async () => {
    const feed = controlledSource<number>();
    const out = gatedSink<number>();
    const checked = transform('check', source('feed', feed.handler), (n) => {
      if (n % 5 === 0) throw new Error(`${n} is a multiple of 5`);
      return n * 2;
    });
    let url = '';
    const handle = run(flow('promtool', [sink('out', checked, out.handler)]), {
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      metricsPort: 0,
      livenessCheckMs: 10,
      config: { cwd: dir, env: {}, file: false },
      onEndpoints: (endpoints) => (url = endpoints.metrics ?? ''),
    });
    let text: string;
    try {
      feed.push(...Array.from({ length: 20 }, (_, i) => i + 1));
      await eventually(() => out.received.length === 16, 'the sink to get the records');
      const answer = await fetch(`${url}/metrics`);
      expect(answer.status).to.equal(200);
      text = await answer.text();
    } finally {
      feed.end();
      await handle;
    }
    expect(text, 'the scrape holds the flow series and process metrics').to.include('sluice_stage_records_in_total');
    expect(text).to.match(/^process_cpu_user_seconds_total /m);
    const { status, output } = promtoolCheck(text);
    expect(output, 'promtool reports no problems').to.equal('');
    expect(status).to.equal(0);
  });
});
