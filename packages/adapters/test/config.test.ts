import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ErrorCode, SluiceError } from '@sluice/core';
import { resolveConfig, type ResolveConfigOptions } from '../src/config/resolve-config.ts';

const flow = { name: 'demo', stages: ['parse', 'big-orders', 'out'] };

function expectConfigError(options: ResolveConfigOptions, ...parts: string[]): void {
  let thrown: unknown;
  try {
    resolveConfig(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'resolveConfig should throw').to.be.instanceOf(SluiceError);
  const error = thrown as SluiceError;
  expect(error.code).to.equal(ErrorCode.Config);
  for (const part of parts) expect(error.message).to.include(part);
}

describe('resolveConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  const writeConfig = (value: unknown, name = 'sluice.config.json'): string => {
    const path = join(cwd, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  it('gives the defaults, every one from "default", and the data directory under .sluice/<flow>', () => {
    const { values, sources, file } = resolveConfig({ cwd, env: {}, flow });
    expect(values).to.include({
      dataDir: join(cwd, '.sluice', 'demo'),
      logLevel: 'info',
      metricsPort: 'off',
      batchSize: 1000,
      drainTimeoutMs: 30_000,
      durability: 'fsync',
      allowDefinitionChange: false,
    });
    expect(values.stages).to.deep.equal({});
    expect(new Set(Object.values(sources))).to.deep.equal(new Set(['default']));
    expect(file).to.equal(undefined);
  });

  it('applies defaults < file < env < flags < code, recording the source of each value', () => {
    writeConfig({ batchSize: 10, logLevel: 'debug', pollMaxMs: 300, metricsPort: 1, stallAfterMs: 5 });
    const { values, sources, file } = resolveConfig({
      cwd,
      flow,
      env: { SLUICE_LOG_LEVEL: 'warn', SLUICE_METRICS_PORT: '2', SLUICE_STALL_AFTER_MS: '6', PATH: '/bin' },
      flags: { 'metrics-port': '3', 'stall-after-ms': '7', 'allow-definition-change': true },
      code: { metricsPort: 4, dataDir: undefined },
      defaults: { metricsPort: 9464 },
    });
    expect(file).to.equal(join(cwd, 'sluice.config.json'));
    expect(values).to.include({ batchSize: 10, pollMaxMs: 300, logLevel: 'warn', stallAfterMs: 7, metricsPort: 4, allowDefinitionChange: true });
    expect(sources).to.include({
      batchSize: 'file',
      pollMaxMs: 'file',
      logLevel: 'env',
      stallAfterMs: 'flag',
      allowDefinitionChange: 'flag',
      metricsPort: 'code',
      drainTimeoutMs: 'default',
      dataDir: 'default',
    });
  });

  it('takes per-stage settings from every source, matching env stage names case- and punctuation-blind', () => {
    writeConfig({ stages: { parse: { batchSize: 5, retry: { backoffMs: 100 } } } });
    const { values, sources } = resolveConfig({
      cwd,
      flow,
      env: { SLUICE_STAGES__BIG_ORDERS__BATCH_SIZE: '7', SLUICE_STAGES__PARSE__RETRY__MAX_ATTEMPTS: '2', SLUICE_STAGES__PARSE__TIMEOUT_MS: '250' },
      flags: { stage: ['parse.retry.maxAttempts=3', 'out.concurrency=4'] },
      code: { stages: { parse: { concurrency: 2 } } },
    });
    expect(values.stages).to.deep.equal({
      parse: { batchSize: 5, retry: { backoffMs: 100, maxAttempts: 3 }, concurrency: 2, timeoutMs: 250 },
      'big-orders': { batchSize: 7 },
      out: { concurrency: 4 },
    });
    expect(sources).to.include({
      'stages.parse.batchSize': 'file',
      'stages.parse.retry.backoffMs': 'file',
      'stages.parse.retry.maxAttempts': 'flag',
      'stages.parse.concurrency': 'code',
      'stages.big-orders.batchSize': 'env',
      'stages.out.concurrency': 'flag',
    });
  });

  it('takes a stage\'s supervision (restart.*) from the file, the environment and flags, and refuses a bad onExhausted', () => {
    writeConfig({ stages: { parse: { restart: { backoffMs: 50 } } } });
    const { values } = resolveConfig({
      cwd,
      flow,
      env: { SLUICE_STAGES__PARSE__RESTART__MAX_RESTARTS: '5' },
      flags: { stage: ['out.restart.onExhausted=isolate', 'out.restart.maxBackoffMs=1000'] },
    });
    expect(values.stages).to.deep.equal({
      parse: { restart: { backoffMs: 50, maxRestarts: 5 } },
      out: { restart: { onExhausted: 'isolate', maxBackoffMs: 1000 } },
    });
    expect(() => resolveConfig({ cwd, flow, env: {}, flags: { stage: ['out.restart.onExhausted=ignore'] } })).to.throw(/onExhausted/);
  });

  it('refuses an unknown key in the file, naming the file and the key', () => {
    writeConfig({ batchsize: 10 });
    expectConfigError({ cwd, env: {}, flow }, 'sluice.config.json', 'unknown key "batchsize"');
  });

  it('refuses an unknown per-stage key and a stage the flow does not have', () => {
    writeConfig({ stages: { parse: { batch: 1 } } });
    expectConfigError({ cwd, env: {}, flow }, 'sluice.config.json', '"stages.parse.batch"');
    writeConfig({ stages: { prase: { batchSize: 1 } } });
    expectConfigError({ cwd, env: {}, flow }, 'sluice.config.json: "stages.prase.batchSize" names no stage of flow "demo"');
    expectConfigError({ cwd, env: { SLUICE_STAGES__NOPE__BATCH_SIZE: '1' }, file: false, flow }, 'SLUICE_STAGES__NOPE__BATCH_SIZE', 'no stage');
  });

  it('refuses a bad value, naming the SLUICE_ variable, the flag or the file key and the value', () => {
    expectConfigError({ cwd, env: { SLUICE_BATCH_SIZE: 'x' } }, 'environment variable SLUICE_BATCH_SIZE must be a positive integer, got "x"');
    expectConfigError({ cwd, env: {}, flags: { 'metrics-port': '70000' } }, '--metrics-port must be a port number', '"70000"');
    writeConfig({ batchSize: '10' });
    expectConfigError({ cwd, env: {} }, 'sluice.config.json: "batchSize" must be a positive integer, got "10"');
    expectConfigError({ cwd, env: {}, file: false, code: { logLevel: 'loud' } }, 'run options: "logLevel" must be one of');
    expectConfigError({ cwd, env: { SLUICE_DURABILITY: 'sometimes' }, file: false }, 'SLUICE_DURABILITY', '"fsync"');
  });

  it('refuses an unknown SLUICE_ variable, naming it', () => {
    expectConfigError({ cwd, env: { SLUICE_BATCHSIZE: '10' } }, 'environment variable SLUICE_BATCHSIZE is not a Sluice setting');
  });

  it('converts text from env and flags but wants JSON types in the file', () => {
    const { values } = resolveConfig({
      cwd,
      env: { SLUICE_ALLOW_DEFINITION_CHANGE: 'yes', SLUICE_METRICS_PORT: 'off', SLUICE_BATCH_SIZE: '' },
      flags: { inspect: 'true', 'poll-min-ms': '0' },
    });
    expect(values).to.include({ allowDefinitionChange: true, metricsPort: 'off', inspect: true, pollMinMs: 0, batchSize: 1000 });
  });

  it('resolves a relative data directory against the config file directory, or the working directory', () => {
    mkdirSync(join(cwd, 'conf'));
    const path = writeConfig({ dataDir: 'data' }, join('conf', 'sluice.json'));
    expect(resolveConfig({ cwd, env: {}, file: path }).values.dataDir).to.equal(join(cwd, 'conf', 'data'));
    expect(resolveConfig({ cwd, env: { SLUICE_CONFIG: path } }).values.dataDir).to.equal(join(cwd, 'conf', 'data'));
    expect(resolveConfig({ cwd, env: {}, flags: { 'data-dir': 'd' } }).values.dataDir).to.equal(join(cwd, 'd'));
  });

  it('names a missing explicit config file and one that is not JSON', () => {
    expectConfigError({ cwd, env: {}, file: 'missing.json' }, 'config file missing.json does not exist');
    writeConfig('{ nope');
    expectConfigError({ cwd, env: {} }, 'sluice.config.json: is not valid JSON');
    writeConfig('[1]');
    expectConfigError({ cwd, env: {} }, 'sluice.config.json: must hold a JSON object');
  });

  it('refuses a poll minimum above the maximum, saying where both came from', () => {
    expectConfigError({ cwd, env: { SLUICE_POLL_MIN_MS: '500' } }, 'pollMinMs (500, from env) must not exceed pollMaxMs (200, from default)');
  });

  it('refuses a malformed --stage flag', () => {
    expectConfigError({ cwd, env: {}, flow, flags: { stage: ['parse.batchSize'] } }, '--stage parse.batchSize must look like');
    expectConfigError({ cwd, env: {}, flow, flags: { stage: ['parse.size=3'] } }, '--stage parse.size=3');
  });
});
