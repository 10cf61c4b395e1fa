import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { flow, sink, source, transform } from '@sluice/core';
import { arraySource } from '../src/io/array-source.ts';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { runFlowInto } from './support/cli-journal.ts';
import { runSluice, startSluice } from './support/cli-process.ts';
import { eventually } from './support/ops-flows.ts';
import { get } from './support/ops-http.ts';

describe('sluice view (child processes, real LMDB)', function () {
  this.timeout(60_000);
  let dir: string;
  let data: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-view-cli-'));
    data = join(dir, 'data');
    const doubled = transform('double', source('numbers', arraySource([1, 2, 3])), (n) => n * 2);
    const summary = await runFlowInto(data, flow('viewed', [sink('out', doubled, jsonLinesSink(join(dir, 'out.jsonl')))]));
    expect(summary.state).to.equal('completed');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the URL of the read-only page, serves it until SIGINT and exits 0', async () => {
    const view = startSluice(['view', data, '--port', '0'], { cwd: dir });
    await eventually(() => /open http:\/\/127\.0\.0\.1:\d+\//.test(view.stdout()) || view.child.exitCode !== null, 'the URL', 20_000);
    const url = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(view.stdout())?.[1];
    expect(url, view.stderr()).to.be.a('string');
    const info = await get<{ mode: string; flow: string }>(`${url ?? ''}/web/info`);
    expect(info.body).to.deep.include({ mode: 'view', flow: 'viewed' });
    const moment = await get<{ pipeline: string }>(`${url ?? ''}/view/at`);
    expect(moment.body.pipeline).to.equal('completed');
    view.child.kill('SIGINT');
    const result = await view.exited;
    expect(result.code, result.stderr).to.equal(0);
  });

  it('explains itself with --help and is listed in the root help', async () => {
    const help = await runSluice(['view', '--help'], { cwd: dir });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice view <data-dir> \[--port N\]/);
    expect((await runSluice(['--help'], { cwd: dir })).stdout).to.match(/^ {2}view +serve the web view/m);
  });

  it('refuses a missing data directory (exit 2), a path that is none (exit 1) and a bad port (exit 2)', async () => {
    const missing = await runSluice(['view'], { cwd: dir });
    expect(missing.code).to.equal(2);
    const none = await runSluice(['view', join(dir, 'nope')], { cwd: dir });
    expect(none.code).to.equal(1);
    expect(none.stderr).to.match(/^sluice: no data directory at .*nope\n$/);
    const port = await runSluice(['view', data, '--port', 'x'], { cwd: dir });
    expect(port.code).to.equal(2);
    expect(port.stderr).to.include('--port must be');
  });
});
