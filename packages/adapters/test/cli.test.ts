import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, type SluiceResult } from './support/cli-process.ts';

/** One line on stderr and no stack trace. */
function expectOneLine(result: SluiceResult, code: number, text: string): void {
  expect(result.code, result.stderr).to.equal(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^sluice: /);
  expect(lines[0]).to.include(text);
  expect(result.stderr).not.to.match(/\n\s+at /);
}

describe('sluice CLI (child processes)', function () {
  this.timeout(30_000);
  let dir: string;
  let dataDir: string;
  let run: SluiceResult;
  const sluice = (args: readonly string[], env: Record<string, string> = {}): Promise<SluiceResult> =>
    runSluice(args, { cwd: dir, env: { FIXTURE_OUT: join(dir, 'out'), ...env } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    dataDir = join(dir, 'data');
    run = await sluice(['run', fixture('checked-flow.ts'), '--data-dir', dataDir, '--metrics-port', '0']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('--help', () => {
    for (const command of ['', 'run', 'status', 'journal', 'log', 'config']) {
      it(`sluice ${command} --help prints its usage and exits 0`, async () => {
        const result = await sluice([...(command === '' ? [] : [command]), '--help']);
        expect(result.code).to.equal(0);
        expect(result.stdout).to.match(new RegExp(`^usage: sluice ${command === '' ? '<command>' : command}`));
        expect(result.stderr).to.equal('');
      });
    }
    it('also as -h after the arguments, and as journal cat --help', async () => {
      expect((await sluice(['status', 'x', '-h'])).stdout).to.match(/^usage: sluice status/);
      expect((await sluice(['journal', 'cat', '--help'])).stdout).to.match(/^usage: sluice journal cat/);
    });
  });

  describe('bad arguments', () => {
    it('an unknown command exits 2 with one line', async () => {
      expectOneLine(await sluice(['frobnicate']), 2, 'unknown command "frobnicate" (see sluice --help)');
    });
    it('an unknown flag, a missing argument and no command exit 2 with one line', async () => {
      expectOneLine(await sluice(['status', dataDir, '--colour']), 2, 'status: unknown option --colour');
      expectOneLine(await sluice(['journal', 'cat', dataDir]), 2, 'journal cat: missing <stage>');
      expectOneLine(await sluice([]), 2, 'missing command');
    });
    it('a bad configuration value exits 1 naming the flag or variable', async () => {
      expectOneLine(await sluice(['config', fixture('checked-flow.ts'), '--batch-size', 'lots']), 1, '--batch-size must be a positive integer, got "lots"');
      expectOneLine(await sluice(['config', fixture('checked-flow.ts')], { SLUICE_METRICS_PORT: 'x' }), 1, 'SLUICE_METRICS_PORT');
    });
  });

  describe('data directories that are missing or not data directories', () => {
    it('a missing data directory: exit 1, one line', async () => {
      expectOneLine(await sluice(['status', join(dir, 'nowhere')]), 1, `no data directory at ${join(dir, 'nowhere')}`);
    });
    it('a directory without data.mdb and a file: exit 1, one line', async () => {
      mkdirSync(join(dir, 'empty'), { recursive: true });
      expectOneLine(await sluice(['log', join(dir, 'empty')]), 1, 'not a Sluice data directory');
      expectOneLine(await sluice(['status', fixture('checked-flow.ts')]), 1, 'is a file, not a data directory');
    });
    it('a corrupt data.mdb: exit 1, one line, no stack', async () => {
      const corrupt = join(dir, 'corrupt');
      mkdirSync(corrupt, { recursive: true });
      writeFileSync(join(corrupt, 'data.mdb'), Buffer.alloc(64 * 1024, 'garbage!'));
      expectOneLine(await sluice(['status', corrupt]), 1, 'data.mdb is not an LMDB data file');
      expectOneLine(await sluice(['journal', 'cat', corrupt, 'check']), 1, 'data.mdb');
    });
    it('a missing flow file and a module that exports no flow: exit 1, one line', async () => {
      expectOneLine(await sluice(['run', 'missing.ts']), 1, 'flow file missing.ts does not exist');
      writeFileSync(join(dir, 'not-a-flow.mjs'), 'export default 42;\n');
      expectOneLine(await sluice(['run', 'not-a-flow.mjs']), 1, 'must export a flow as default');
    });
  });

  describe('on a data directory written by sluice run', () => {
    it('sluice run ran the fixture to completion and printed the endpoints and a summary', () => {
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
      expect(run.stdout).to.match(/flow "checked" completed in .*: 50 records read/);
      // Each stage's counts in words that fit its kind: a source reads, a sink delivers.
      expect(run.stdout).to.match(/orders\s+source\s+drained\s+read 50\s+0\s/);
      expect(run.stdout).to.match(/check\s+map\s+drained\s+50 in, 45 out\s+5\s/);
      expect(run.stdout).to.match(/out\s+sink\s+drained\s+took 45, delivered 45\s+0\s/);
      expect(readFileSync(join(dir, 'out', 'checked.jsonl'), 'utf8').trim().split('\n')).to.have.length(45);
    });

    it('sluice status shows the flow, the clean last run, journals, error lanes and cursors', async () => {
      const result = await sluice(['status', dataDir]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/flow\s+checked \(definition [0-9a-f]{16}\)/);
      expect(result.stdout).to.match(/shutdown\s+clean \(completed\)/);
      expect(result.stdout).to.match(/check\s+map\s+51\s+45\s+5\s+1\s+orders 51\/51/);
      const json = JSON.parse((await sluice(['status', dataDir, '--json'])).stdout) as {
        clean: boolean;
        runs: number;
        stages: { name: string; counts: { error: number }; inputs: { cursor: number }[] }[];
      };
      expect(json.clean).to.equal(true);
      expect(json.runs).to.equal(1);
      expect(json.stages.find((s) => s.name === 'check')?.counts.error).to.equal(5);
      expect(json.stages.find((s) => s.name === 'out')?.inputs[0]?.cursor).to.equal(51);
    });

    it('sluice journal cat prints records, from a seq, limited, as JSON too', async () => {
      const text = await sluice(['journal', 'cat', dataDir, 'check', '--limit', '3']);
      expect(text.stdout.trim().split('\n')).to.have.length(3);
      expect(text.stdout).to.match(/^\s+1\s+data\s+\S+Z\s+\{"id":1,"qty":1,"total":10\}\s+← orders#1$/m);
      const error = await sluice(['journal', 'cat', dataDir, 'check', '--from', '10', '--limit', '1', '--json']);
      const record = JSON.parse(error.stdout) as { seq: number; kind: string; payload: { message: string } };
      expect(record).to.include({ seq: 10, kind: 'error' });
      expect(record.payload.message).to.equal('order 10: qty must be positive');
    });

    it('sluice journal tail prints the last records, of $system too', async () => {
      const tail = await sluice(['journal', 'tail', dataDir, '$system', '--limit', '1', '--json']);
      const last = JSON.parse(tail.stdout) as { payload: { type: string; clean: boolean } };
      expect(last.payload).to.include({ type: 'shutdown', clean: true });
      expectOneLine(await sluice(['journal', 'tail', dataDir, 'nope']), 1, 'no journal "nope"');
    });

    it('sluice log prints the activity log, with the configuration sources in the run-started record', async () => {
      const log = await sluice(['log', dataDir]);
      expect(log.code).to.equal(0);
      expect(log.stdout).to.match(/run started: flow "checked"/);
      expect(log.stdout).to.match(/stage check: running → draining/);
      expect(log.stdout).to.match(/shutdown clean \(completed\)\n$/);
      const [started] = (await sluice(['log', dataDir, '--json'])).stdout.trim().split('\n');
      const entry = JSON.parse(started ?? '{}') as { type: string; options: { sources: Record<string, string> } };
      expect(entry.type).to.equal('run.started');
      expect(entry.options.sources).to.include({ dataDir: 'flag', metricsPort: 'flag', batchSize: 'default' });
    });
  });

  it('sluice config prints each value and its source', async () => {
    writeFileSync(join(dir, 'sluice.config.json'), JSON.stringify({ pollMaxMs: 300, stages: { check: { batchSize: 10 } } }));
    try {
      const result = await sluice(['config', fixture('checked-flow.ts'), '--log-level', 'warn'], { SLUICE_BATCH_SIZE: '5' });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/batchSize\s+5\s+env/);
      expect(result.stdout).to.match(/logLevel\s+warn\s+flag/);
      expect(result.stdout).to.match(/pollMaxMs\s+300\s+file/);
      expect(result.stdout).to.match(/metricsPort\s+9464\s+default/);
      expect(result.stdout).to.match(/stages\.check\.batchSize\s+10\s+file\s+SLUICE_STAGES__CHECK__BATCH_SIZE/);
    } finally {
      rmSync(join(dir, 'sluice.config.json'));
    }
  });
});
