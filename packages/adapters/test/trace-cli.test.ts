import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { flatMap, flow, sink, source, transform } from '@sluice/core';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { jsonLinesSource } from '../src/io/json-lines-source.ts';
import { runFlowInto } from './support/cli-journal.ts';
import { runSluice, type SluiceResult } from './support/cli-process.ts';

describe('sluice trace (child processes, real LMDB)', function () {
  this.timeout(60_000);
  let dir: string;
  let data: string;
  const sluice = (args: readonly string[]): Promise<SluiceResult> => runSluice(args, { cwd: dir });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-trace-'));
    data = join(dir, 'data');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n') + '\n');
    const numbers = source('numbers', jsonLinesSource<{ n: number }>(input));
    const checked = transform('check', numbers, ({ n }) => {
      if (n % 10 === 0) throw new Error(`${String(n)} is round`);
      return n;
    });
    const split = flatMap('split', checked, (n) => [n, n + 0.5]);
    const summary = await runFlowInto(data, flow('trace', [sink('out', split, jsonLinesSink(join(dir, 'out.jsonl')))]), { batchSize: 4 });
    expect(summary.state).to.equal('completed');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a record, its lineage back to the source input and forward to the receipts', async () => {
    const result = await sluice(['trace', data, 'check#5']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const out = result.stdout;
    expect(out).to.match(/^check#5 +data +5 +← numbers#5$/m);
    expect(out).to.match(/^back:\n {2}numbers#5 +data +\{"n":5\}\n {2}\(a source's input: where it entered the flow\)$/m);
    expect(out).to.match(/^forward:\n {2}split#9 +data +5 +← check#5\n {4}out#\d+ +receipt +delivered split#\d+\.\.\d+ \(\d+ inputs\) +← split#\d+\n {2}split#10 +data +5\.5 +← check#5\n {4}out#\d+ +receipt/m);
    expect(out).to.match(/^searched: split by binary search \(\d+ records read\), out by binary search \(\d+ records read\)/m);
  });

  it('an error-lane record: traced back, nothing forward (only data records are read downstream)', async () => {
    const back = await sluice(['trace', data, 'check#10']);
    expect(back.code, back.stderr).to.equal(0);
    expect(back.stdout).to.match(/^check#10 +error +HANDLER_FAILED: 10 is round/m);
    expect(back.stdout).to.match(/^forward:\n {2}\(none: only data records are read downstream\)$/m);
  });

  it('--json prints the trace as one JSON document', async () => {
    const result = await sluice(['trace', data, 'numbers#7', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const trace = JSON.parse(result.stdout) as { record: { stage: string; seq: number }; origin: { reason: string }; forward: { stage: string; seq: number; next: unknown[] }[]; searches: unknown[] };
    expect(trace.record).to.include({ stage: 'numbers', seq: 7 });
    expect(trace.origin.reason).to.equal('source');
    expect(trace.forward.map((s) => `${s.stage}#${String(s.seq)}`)).to.deep.equal(['check#7']);
    expect(trace.forward[0]?.next).to.have.length(2);
  });

  it('clear errors without a stack: unknown stage, seq out of range, not a data dir, a bad argument; --help', async () => {
    const unknown = await sluice(['trace', data, 'nope#1']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.equal('sluice: trace: no stage "nope" in the flow (stages: numbers, check, split, out)\n');
    const range = await sluice(['trace', data, 'check#99']);
    expect(range.code).to.equal(1);
    expect(range.stderr).to.equal('sluice: trace: "check" has no record 99: its journal holds seq 1 to 31\n');
    const missing = await sluice(['trace', join(dir, 'nowhere'), 'check#1']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.equal(`sluice: no data directory at ${join(dir, 'nowhere')}\n`);
    const bad = await sluice(['trace', data, 'check']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^sluice: trace: "check" is not <stage>#<seq> \(see sluice trace --help\)\n$/);
    const help = await sluice(['trace', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice trace <data-dir> <stage>#<seq> \[--json\]/);
    expect((await sluice(['--help'])).stdout).to.match(/^ {2}trace\s+\S/m);
  });
});
