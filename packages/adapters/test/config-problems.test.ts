import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ErrorCode, SluiceError } from '@sluice/core';
import { resolveConfig, type ResolveConfigOptions } from '../src/config/resolve-config.ts';

const flow = { name: 'demo', stages: ['parse', 'big-orders', 'out'] };

/** The lines of the CONFIG error resolveConfig throws. */
function problemLines(options: ResolveConfigOptions): string[] {
  let thrown: unknown;
  try {
    resolveConfig(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'resolveConfig should throw').to.be.instanceOf(SluiceError);
  const error = thrown as SluiceError;
  expect(error.code).to.equal(ErrorCode.Config);
  const lines = error.message.split('\n');
  if (lines.length === 1) return lines;
  expect(lines[0]).to.equal(`${lines.length - 1} configuration problems:`);
  return lines.slice(1).map((line) => line.trim());
}

describe('resolveConfig reports every problem at once', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'sluice-config-problems-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const writeConfig = (value: unknown): void => {
    writeFileSync(join(cwd, 'sluice.config.json'), typeof value === 'string' ? value : JSON.stringify(value));
  };

  it('lists the mistakes of the file, the environment and the flags in one message, each naming its source', () => {
    writeConfig({ logLevl: 'debug', batchSize: 0, stages: { prase: { batchSize: 1 }, out: { batchsize: 2 } } });
    const lines = problemLines({
      cwd,
      flow,
      env: { SLUICE_BATCH_SIZE: 'abc', SLUICE_METRICS_PROT: '1', SLUICE_STAGES__PRASE__BATCH_SIZE: '3' },
      flags: { 'metrics-port': '99999', stage: ['parse.batchsize=3', 'bigorders.batchSize=2'] },
    });
    expect(lines).to.have.members([
      'sluice.config.json: unknown key "logLevl" (did you mean "logLevel"?)',
      'sluice.config.json: "batchSize" must be a positive integer, got 0',
      'sluice.config.json: "stages.prase.batchSize" names no stage of flow "demo" (did you mean "parse"?)',
      'sluice.config.json: unknown key "stages.out.batchsize" (did you mean "stages.out.batchSize"?)',
      'environment variable SLUICE_BATCH_SIZE must be a positive integer, got "abc"',
      'environment variable SLUICE_METRICS_PROT is not a Sluice setting (did you mean SLUICE_METRICS_PORT?)',
      'environment variable SLUICE_STAGES__PRASE__BATCH_SIZE names no stage of flow "demo" (did you mean SLUICE_STAGES__PARSE__BATCH_SIZE?)',
      '--metrics-port must be a port number (0-65535) or "off", got "99999"',
      '--stage parse.batchsize=3 names no setting of stage "parse" (did you mean parse.batchSize=3?)',
      '--stage bigorders.batchSize=2 names no stage of flow "demo" (did you mean "big-orders"?)',
    ]);
  });

  it('offers no suggestion when nothing is close, listing what is known instead', () => {
    writeConfig({ zzz: 1 });
    const [line] = problemLines({ cwd, env: { SLUICE_QQQQQQ: '1' }, file: false, flow });
    expect(line).to.match(/^environment variable SLUICE_QQQQQQ is not a Sluice setting \(known: SLUICE_DATA_DIR, /);
    const [fileLine] = problemLines({ cwd, env: {}, flow });
    expect(fileLine).to.match(/^sluice\.config\.json: unknown key "zzz" \(known keys: dataDir, /);
    expect(fileLine).not.to.include('did you mean');
  });

  it('suggests a transposition and a case slip', () => {
    writeConfig({ batchSzie: 1, loglevel: 'info' });
    expect(problemLines({ cwd, env: {}, flow })).to.have.members([
      'sluice.config.json: unknown key "batchSzie" (did you mean "batchSize"?)',
      'sluice.config.json: unknown key "loglevel" (did you mean "logLevel"?)',
    ]);
  });

  it('goes on past a config file that is not JSON', () => {
    writeConfig('{ nope');
    const lines = problemLines({ cwd, flow, env: { SLUICE_DURABILITY: 'sometimes' }, flags: { 'batch-size': 'x' } });
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(/^sluice\.config\.json: is not valid JSON/);
    expect(lines[1]).to.match(/^environment variable SLUICE_DURABILITY must be one of/);
    expect(lines[2]).to.equal('--batch-size must be a positive integer, got "x"');
  });

  it('checks the poll range only when both ends are valid', () => {
    const lines = problemLines({ cwd, env: { SLUICE_POLL_MIN_MS: '500', SLUICE_POLL_MAX_MS: 'soon' }, file: false });
    expect(lines).to.deep.equal(['environment variable SLUICE_POLL_MAX_MS must be a positive integer, got "soon"']);
  });

  it('reports the code options too, after the others', () => {
    const lines = problemLines({
      cwd,
      flow,
      env: { SLUICE_LOG_LEVEL: 'loud' },
      file: false,
      code: { batchSize: -1, stages: { dubble: { batchSize: 2 } } },
    });
    expect(lines).to.deep.equal([
      'environment variable SLUICE_LOG_LEVEL must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "loud"',
      'run options: "batchSize" must be a positive integer, got -1',
      'run options: "stages.dubble.batchSize" names no stage of flow "demo" (stages: parse, big-orders, out)',
    ]);
  });
});
