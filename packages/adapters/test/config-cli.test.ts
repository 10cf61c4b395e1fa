import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fixture, runSluice, type SluiceResult } from './support/cli-process.ts';

describe('sluice run / config with several configuration mistakes (child processes)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-config-cli-'));
    writeFileSync(join(dir, 'sluice.config.json'), JSON.stringify({ logLevl: 'debug', stages: { chek: { batchSize: 5 } } }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sluice = (args: readonly string[]): Promise<SluiceResult> =>
    runSluice(args, { cwd: dir, env: { FIXTURE_OUT: join(dir, 'out'), SLUICE_BATCH_SIZE: 'abc' } });

  function expectAllProblems(result: SluiceResult): void {
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).not.to.match(/\n\s+at /);
    expect(result.stderr.trimEnd().split('\n')).to.deep.equal([
      'sluice: 4 configuration problems:',
      '  sluice.config.json: unknown key "logLevl" (did you mean "logLevel"?)',
      '  sluice.config.json: "stages.chek.batchSize" names no stage of flow "checked" (did you mean "check"?)',
      '  environment variable SLUICE_BATCH_SIZE must be a positive integer, got "abc"',
      '  --metrics-port must be a port number (0-65535) or "off", got "99999"',
    ]);
  }

  it('sluice config prints every problem of the file, the environment and the flags, and exits 1', async () => {
    expectAllProblems(await sluice(['config', fixture('checked-flow.ts'), '--metrics-port', '99999']));
  });

  it('sluice run prints them all before running anything, and writes no data directory', async () => {
    const dataDir = join(dir, 'data');
    const result = await sluice(['run', fixture('checked-flow.ts'), '--metrics-port', '99999', '--data-dir', dataDir]);
    expectAllProblems(result);
    expect(result.stdout).not.to.include('running flow');
    expect(existsSync(dataDir)).to.equal(false);
  });

  it('an unknown flag exits 2, naming every unknown flag and the one it nearly is', async () => {
    const result = await sluice(['run', fixture('checked-flow.ts'), '--metrics-prot', '1', '--colour', '--batchsize=3']);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr.trimEnd()).to.equal(
      'sluice: run: unknown options --metrics-prot (did you mean --metrics-port?), --colour, --batchsize (did you mean --batch-size?) (see sluice run --help)',
    );
  });
});
