import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { open } from 'lmdb';
import { after, before, describe, it } from 'mocha';
import { flow, sink, source, transform } from '@sluice/core';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { jsonLinesSource } from '../src/io/json-lines-source.ts';
import { runFlowInto, withStore } from './support/cli-journal.ts';
import { runSluice, type SluiceResult } from './support/cli-process.ts';

/** Stored record kinds, as lmdb/record-codec.ts encodes them. */
const EOF_CODE = 2;

/** Opens the data directory's LMDB environment directly, as a corrupting tool (or disk) would. */
async function tamper(dataDir: string, change: (env: ReturnType<typeof open>) => void): Promise<void> {
  const env = open({ path: dataDir, maxDbs: 1000 });
  try {
    change(env);
    await env.flushed;
  } finally {
    await env.close();
  }
}

describe('sluice check (child processes, real LMDB)', function () {
  this.timeout(60_000);
  let dir: string;
  let healthy: string;
  const sluice = (args: readonly string[]): Promise<SluiceResult> => runSluice(args, { cwd: dir });
  /** A fresh copy of the healthy data directory, to corrupt. */
  const copy = (name: string): string => {
    const target = join(dir, name);
    cpSync(healthy, target, { recursive: true });
    return target;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-check-'));
    healthy = join(dir, 'healthy');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, Array.from({ length: 30 }, (_, i) => (i === 7 ? '{oops' : JSON.stringify({ n: i + 1 }))).join('\n') + '\n');
    const numbers = source('numbers', jsonLinesSource<{ n: number }>(input));
    const checked = transform('check', numbers, ({ n }) => {
      if (n % 10 === 0) throw new Error(`${n} is round`);
      return n * 2;
    });
    const summary = await runFlowInto(healthy, flow('numbers', [sink('out', checked, jsonLinesSink(join(dir, 'out.jsonl')))]), { batchSize: 4 });
    expect(summary.state).to.equal('completed');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says ok for every journal of a healthy data directory and exits 0', async () => {
    const result = await sluice(['check', healthy]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stderr).to.equal('');
    const lines = result.stdout.trimEnd().split('\n');
    for (const journal of ['$system', 'numbers', 'check', 'out']) {
      expect(lines.some((line) => new RegExp(`^ok\\s+${journal.replace('$', '\\$')}\\s`).test(line)), journal).to.equal(true);
    }
    expect(result.stdout).to.match(/^ok\s+numbers\s+31 records \(29 data, 1 error, 1 eof\)$/m);
    expect(result.stdout).to.match(/^ok\s+check\s+30 records \(26 data, 3 error, 1 eof\); cursor on numbers 31\/31$/m);
    expect(lines.at(-1)).to.match(new RegExp(`^no problem found in ${healthy}: 4 journals, \\d+ records, 2 cursors$`));
  });

  it('finds a record deleted in the middle of a journal: exit 1, a line naming the journal and seq', async () => {
    const broken = copy('deleted');
    await tamper(broken, (env) => env.openDB<unknown, number>('j:check', {}).removeSync(12));
    const result = await sluice(['check', broken]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/^problem: journal "check": seq 12 is missing/m);
    expect(result.stdout).to.match(/^problem: journal "check": the store counts 30 records \(26 data, 3 error, 1 eof\), the journal holds 29 \(25 data, 3 error, 1 eof\)$/m);
    expect(result.stdout).to.match(/^ok\s+numbers\s/m);
    expect(result.stderr.trimEnd().split('\n')).to.deep.equal([`sluice: ${broken}: 2 problems, in journal "check"`]);
  });

  it('finds a garbage value, a second EOF, a cursor past its upstream and wrong counts', async () => {
    const broken = copy('garbage');
    await tamper(broken, (env) => {
      env.openDB<Buffer, number>('j:numbers', { encoding: 'binary' }).putSync(5, Buffer.from([0xc1, 0xff, 0x00]));
      env.openDB<unknown, number>('j:check', { useRecords: false } as object).putSync(31, [EOF_CODE, Date.now(), null]);
      env.openDB<unknown, [string, string]>('cursors', {}).putSync(['out', 'check'], 99);
    });
    const result = await sluice(['check', broken]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    const problems = result.stdout.split('\n').filter((line) => line.startsWith('problem: '));
    expect(problems).to.include('problem: journal "numbers" seq 5: the stored value cannot be decoded');
    expect(problems).to.include('problem: journal "check": 2 EOF records (seq 30, 31); only the last record may be one');
    expect(problems).to.include('problem: journal "check" seq 30: EOF before the last record (seq 31)');
    expect(problems).to.include('problem: journal "check": the store counts 30 records (26 data, 3 error, 1 eof), the journal holds 31 (26 data, 3 error, 2 eof)');
    expect(problems).to.include('problem: stage "out": its cursor on "check" is at seq 99, past the end of that journal (seq 31)');
    expect(problems).to.include('problem: journal "numbers": the store counts 31 records (29 data, 1 error, 1 eof), the journal holds 30 (28 data, 1 error, 1 eof)');
    expect(problems).to.have.length(6);
    expect(result.stdout).to.match(/^ok\s+\$system\s/m);
    expect(result.stderr).to.equal(`sluice: ${broken}: 6 problems, in journals "numbers", "check", "out"\n`);
  });

  it('refuses a directory that is not a data directory with one line, and has a --help', async () => {
    const missing = await sluice(['check', join(dir, 'nowhere')]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.equal(`sluice: no data directory at ${join(dir, 'nowhere')}\n`);
    const help = await sluice(['check', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice check <data-dir>/);
    expect(help.stdout).to.include('mdb_stat');
    expect((await sluice(['--help'])).stdout).to.match(/^ {2}check\s+\S/m);
  });

  it('leaves the data directory as it was', async () => {
    await withStore(healthy, async (store) => {
      expect(await store.lastSeq('check')).to.equal(30);
    });
  });
});
