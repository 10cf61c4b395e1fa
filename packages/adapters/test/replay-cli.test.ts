import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { dataFiles, markers, receiver, type Receiver } from './fixtures/replay-support.ts';
import { withStore } from './support/cli-journal.ts';
import { fixture, runSluice, type SluiceResult } from './support/cli-process.ts';

const COUNT = 12;

describe('sluice replay (child processes, real LMDB, a real HTTP receiver)', function () {
  this.timeout(120_000);
  let dir: string;
  let data: string;
  let http: Receiver;
  /** What the original run left: receiver calls, command runs, the sink's file, the data dir's bytes. */
  let original: { calls: number; runs: string[]; out: string; files: Record<string, string> };
  const env = (variant?: string): Record<string, string> => ({
    FIXTURE_URL: http.url,
    FIXTURE_OUT: join(dir, 'out'),
    FIXTURE_MARKERS: join(dir, 'markers'),
    FIXTURE_COUNT: String(COUNT),
    ...(variant === undefined ? {} : { FIXTURE_VARIANT: variant }),
  });
  const replay = (args: readonly string[], variant?: string): Promise<SluiceResult> =>
    runSluice(['replay', fixture('replay-flow.ts'), '--data-dir', data, ...args], { cwd: dir, env: env(variant), timeoutMs: 60_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-replay-'));
    data = join(dir, 'data');
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'markers'));
    http = await receiver();
    const run = await runSluice(['run', fixture('replay-flow.ts'), '--data-dir', data, '--metrics-port', 'off', '--no-progress'], { cwd: dir, env: env(), timeoutMs: 60_000 });
    expect(run.code, run.stderr).to.equal(0);
    original = { calls: http.total(), runs: markers(join(dir, 'markers')), out: readFileSync(join(dir, 'out', 'out.jsonl'), 'utf8'), files: dataFiles(data) };
    expect(original.calls).to.equal(COUNT);
    expect(original.runs).to.have.length(COUNT);
  });
  after(() => {
    http.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Nothing left the replay: no call, no process, no sink write, not a byte of the original changed. */
  const expectUntouched = (): void => {
    expect(http.total(), 'receiver calls').to.equal(original.calls);
    expect(markers(join(dir, 'markers')), 'command runs').to.deep.equal(original.runs);
    expect(readFileSync(join(dir, 'out', 'out.jsonl'), 'utf8'), 'sink file').to.equal(original.out);
    expect(dataFiles(data), 'original data dir').to.deep.equal(original.files);
    expect(existsSync(join(data, 'LOCK')), 'a LOCK file left behind').to.equal(false);
  };

  it('--verify on the same code: exit 0, "0 differences", no effect called, no command run, the original unchanged', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const result = await runSluice(['replay', fixture('replay-flow.ts'), '--data-dir', data, '--verify'], { cwd: dir, env: { ...env(), TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^0 differences$/m);
    // The replay went into a temporary directory, removed at the end.
    expect(readdirSync(tmp).filter((name) => name.startsWith('sluice-replay-into-'))).to.deep.equal([]);
    expect(result.stdout).to.match(/\bdouble\b.*\b12\b/);
    expect(result.stderr).to.equal('');
    expectUntouched();
  });

  it('--out keeps the replay: its journals hold the replayed records; an --out that is not empty is refused', async () => {
    const out = join(dir, 'replay-out');
    const result = await replay(['--verify', '--out', out]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include(out);
    const replayed = await withStore(out, async (store) => (await store.read('charge', 0, 100)).filter((r) => r.kind === 'data').map((r) => r.payload));
    expect(replayed).to.deep.equal(Array.from({ length: COUNT }, (_, i) => ({ n: 2 * (i + 1), charged: 200 * (i + 1) })));
    const again = await replay(['--verify', '--out', out]);
    expect(again.code, again.stdout + again.stderr).to.equal(4);
    expect(again.stderr).to.match(/^sluice: .*not empty/);
    const inside = await replay(['--verify', '--out', join(data, 'replay')]);
    expect(inside.code, inside.stdout + inside.stderr).to.equal(4);
    expect(inside.stderr).to.equal(`sluice: replay: --out ${join(data, 'replay')} is inside the original data directory, which a replay never writes\n`);
    expectUntouched();
  });

  it('one transform changed: exit 1, the first divergence names the stage and seq, expected and actual, and the count', async () => {
    const seq = await withStore(data, async (store) => (await store.read('double', 0, 100)).find((r) => r.kind === 'data' && r.cause?.seq === 7)?.seq);
    expect(seq).to.be.a('number');
    const result = await replay(['--verify'], 'changed');
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(new RegExp(`^first divergence: double#${String(seq)} \\(payload differs\\)$`, 'm'));
    expect(result.stdout).to.match(/^ {2}expected: \{.*"payload":14[,}]/m);
    expect(result.stdout).to.match(/^ {2}actual: +\{.*"payload":15[,}]/m);
    // The charge effect's outcome is recalled by its input's seq, not called: its output is as recorded.
    expect(result.stdout).to.match(/^1 difference\b/m);
    expect(result.stderr).to.equal('');
    // Without --verify the same report, and the exit status only says that the replay ran.
    const unverified = await replay([], 'changed');
    expect(unverified.code, unverified.stderr).to.equal(0);
    expect(unverified.stdout).to.match(new RegExp(`^first divergence: double#${String(seq)} `, 'm'));
    expectUntouched();
  });

  it('--json: the report as one JSON document', async () => {
    const same = await replay(['--verify', '--json']);
    expect(same.code, same.stderr).to.equal(0);
    const report = JSON.parse(same.stdout) as { verdict: string; differences: number; compared: { stage: string; records: number }[]; effectsRecalled: number };
    expect(report).to.include({ verdict: 'match', differences: 0 });
    expect(report.compared.map((c) => c.stage)).to.include.members(['double', 'charge', 'stamp']);
    expect(report.effectsRecalled).to.be.at.least(2 * COUNT);
    const changed = JSON.parse((await replay(['--verify', '--json'], 'changed')).stdout) as { verdict: string; first: { stage: string; field: string; expected: { payload: unknown }; actual: { payload: unknown } } };
    expect(changed.verdict).to.equal('divergence');
    expect(changed.first).to.include({ stage: 'double', field: 'payload' });
    expect([changed.first.expected.payload, changed.first.actual.payload]).to.deep.equal([14, 15]);
  });

  it('a stage renamed: refused with exit 3, naming the change, nothing replayed', async () => {
    const result = await replay(['--verify'], 'renamed');
    expect(result.code, result.stdout + result.stderr).to.equal(3);
    expect(result.stderr).to.match(/^sluice: replay refused: .*"twice"/m);
    expect(result.stderr).not.to.match(/\n\s+at /);
    expectUntouched();
  });

  it('errors exit 4 in one line without a stack (no data dir, bad arguments); --help', async () => {
    const missing = await runSluice(['replay', fixture('replay-flow.ts'), '--data-dir', join(dir, 'nowhere'), '--verify'], { cwd: dir, env: env() });
    expect(missing.code).to.equal(4);
    expect(missing.stderr).to.equal(`sluice: no data directory at ${join(dir, 'nowhere')}\n`);
    expect(existsSync(join(dir, 'nowhere'))).to.equal(false);
    const noDir = await runSluice(['replay', fixture('replay-flow.ts')], { cwd: dir, env: env() });
    expect(noDir.code).to.equal(4);
    expect(noDir.stderr).to.match(/^sluice: replay: .*--data-dir.* \(see sluice replay --help\)\n$/);
    const help = await runSluice(['replay', '--help'], { cwd: dir });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice replay <flow-file> --data-dir <dir> \[--verify\] \[--out <replay-dir>\] \[--json\]/);
    expect((await runSluice(['--help'], { cwd: dir })).stdout).to.match(/^ {2}replay\s+\S/m);
  });
});
