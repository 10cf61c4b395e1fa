import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { dataFiles, markers, receiver, type Receiver } from './fixtures/replay-support.ts';
import { withStore } from './support/cli-journal.ts';
import { fixture, runSluice, startSluice, waitUntil } from './support/cli-process.ts';

const COUNT = 200;

describe('sluice replay of a run that is going on, then SIGKILLed (child processes, real LMDB)', function () {
  this.timeout(120_000);
  let dir: string;
  let data: string;
  let http: Receiver;
  const env = (): Record<string, string> => ({ FIXTURE_URL: http.url, FIXTURE_OUT: join(dir, 'out'), FIXTURE_MARKERS: join(dir, 'markers'), FIXTURE_COUNT: String(COUNT) });
  const replay = (): ReturnType<typeof runSluice> => runSluice(['replay', fixture('replay-flow.ts'), '--data-dir', data, '--verify'], { cwd: dir, env: env(), timeoutMs: 60_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-replay-crash-'));
    data = join(dir, 'data');
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'markers'));
    // Slow answers, so that the run is still going when the replay is asked for and when it is killed.
    http = await receiver(20);
  });
  after(() => {
    http.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refused (exit 3) while the run holds the data directory; after a SIGKILL, exit 2: only the prefix the original holds is compared', async () => {
    const running = startSluice(['run', fixture('replay-flow.ts'), '--data-dir', data, '--metrics-port', 'off', '--no-progress'], { cwd: dir, env: env(), timeoutMs: 60_000 });
    await waitUntil(() => markers(join(dir, 'markers')).length >= 10, 30_000, 'ten commands to have run');

    const busy = await replay();
    expect(busy.code, busy.stdout + busy.stderr).to.equal(3);
    expect(busy.stderr).to.match(new RegExp(`^sluice: replay refused: data directory ${data} is in use by pid ${String(running.child.pid)} `));
    expect(busy.stderr.split('\n')).to.have.length(2);

    running.child.kill('SIGKILL');
    await running.exited;
    const calls = http.total();
    const runs = markers(join(dir, 'markers'));
    const files = dataFiles(data);
    const journaled = await withStore(data, async (store) => (await store.read('charge', 0, 1000)).filter((r) => r.kind === 'data').length);
    expect(journaled).to.be.above(0).and.below(COUNT);

    const replaying = startSluice(['replay', fixture('replay-flow.ts'), '--data-dir', data, '--verify'], { cwd: dir, env: env(), timeoutMs: 60_000 });
    const result = await replaying.exited;
    expect(result.code, result.stdout + result.stderr).to.equal(2);
    expect(result.stdout).to.match(/^cannot certify: .+/m);
    expect(result.stdout).to.match(new RegExp(`^compared: .*charge ${String(journaled)}\\b`, 'm'));
    expect(result.stdout).to.match(/^0 differences in the prefix compared$/m);
    expect(result.stderr).to.equal('');
    expect(http.total(), 'receiver calls').to.equal(calls);
    // Commands the killed run started may still be ending (each leads its own process group), so
    // the check is by parent: none was started by the replay.
    expect(markers(join(dir, 'markers'), replaying.child.pid), 'command runs of the replay').to.deep.equal([]);
    expect(markers(join(dir, 'markers')).length, 'command runs').to.be.at.least(runs.length);
    expect(dataFiles(data), 'original data dir').to.deep.equal(files);
  });
});
