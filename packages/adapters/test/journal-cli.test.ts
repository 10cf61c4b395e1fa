import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { flow, sink, source, transform } from '@sluice/core';
import { jsonLinesSink } from '../src/io/json-lines-sink.ts';
import { jsonLinesSource } from '../src/io/json-lines-source.ts';
import { runFlowInto } from './support/cli-journal.ts';
import { runSluice, type SluiceResult } from './support/cli-process.ts';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

interface Item {
  readonly id: number;
  readonly text: string;
}

/** The input: good lines, a line whose payload holds control characters, and bad lines. */
const LINES: readonly Buffer[] = [
  Buffer.from('{"id":1,"text":"ok"}'),
  Buffer.from('{"id":2,"text":"\\u001b[2J\\u007f\\u009b"}'), // valid JSON: escapes, decoded to controls
  Buffer.from('{bad \u001b[31m red'), // malformed, with a raw ESC
  Buffer.from('"caf\xe9"', 'latin1'), // not UTF-8
  Buffer.from('{"id":5,"text":"fail me"}'),
  Buffer.from('{"id":6,"text":"ok"}'),
];

/** One line on stderr and no stack trace. */
function expectOneLine(result: SluiceResult, code: number, text: string): void {
  expect(result.code, result.stderr).to.equal(code);
  expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
  expect(result.stderr).to.include(text);
}

describe('sluice journal: error lanes, kinds, export-errors (child processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  let input: string;
  const sluice = (args: readonly string[]): Promise<SluiceResult> => runSluice(args, { cwd: dir });
  const lines = (text: string): string[] => text.trimEnd().split('\n');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-journal-cli-'));
    dataDir = join(dir, 'data');
    input = join(dir, 'in.jsonl');
    writeFileSync(input, Buffer.concat(LINES.flatMap((line) => [line, Buffer.from('\n')])));
    const items = source('items', jsonLinesSource<Item>(input));
    const checked = transform('check', items, (item) => {
      if (item.text.startsWith('fail')) throw new Error(`cannot take "${item.text}" \u001b]0;pwned\u0007`);
      return item;
    });
    const summary = await runFlowInto(dataDir, flow('items', [sink('out', checked, jsonLinesSink(join(dir, 'out.jsonl')))]));
    expect(summary.state).to.equal('completed');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('cat --kind error prints only the error lane, with reason, location once, and input', async () => {
    const result = await sluice(['journal', 'cat', dataDir, 'items', '--kind', 'error']);
    expect(result.code, result.stderr).to.equal(0);
    const [malformed, latin1, ...rest] = lines(result.stdout);
    expect(rest).to.deep.equal([]);
    expect(malformed).to.match(/^\s+5\s+error\s/);
    expect(malformed?.split(`${input}:3`)).to.have.length(2);
    expect(malformed).to.include(`MALFORMED_INPUT: ${input}:3: `);
    expect(malformed).to.include('input "{bad \\u001b[31m red"');
    expect(latin1).to.include(`MALFORMED_INPUT: ${input}:4: invalid UTF-8 at byte 5 (0xe9)`);
    expect(result.stdout).not.to.match(CONTROL);
  });

  it('--errors is --kind error; --kind data and eof pick those records; --json stays JSON', async () => {
    const errors = await sluice(['journal', 'cat', dataDir, 'check', '--errors']);
    expect(lines(errors.stdout)).to.have.length(1);
    expect(errors.stdout).to.match(/^\s+3\s+error\s.*HANDLER_FAILED: cannot take "fail me" \\u001b\]0;pwned\\u0007\s+input \{"id":5,"text":"fail me"\}\s+← items#3$/m);
    const data = await sluice(['journal', 'cat', dataDir, 'check', '--kind', 'data', '--json']);
    const records = lines(data.stdout).map((line) => JSON.parse(line) as { kind: string; payload: Item });
    expect(records.map((r) => [r.kind, r.payload.id])).to.deep.equal([['data', 1], ['data', 2], ['data', 6]]);
    expect(records[1]?.payload.text).to.equal('\u001b[2J\u007f\u009b');
    expect(data.stdout).not.to.match(CONTROL);
    const eof = await sluice(['journal', 'tail', dataDir, 'check', '--kind', 'eof']);
    expect(lines(eof.stdout)).to.have.length(1);
    expect(eof.stdout).to.match(/^\s+5\s+eof\s+.*\(end of input\)$/m);
  });

  it('tail --errors prints the last error records; a bad --kind is a usage error', async () => {
    const tail = await sluice(['journal', 'tail', dataDir, 'items', '--errors', '--limit', '1']);
    expect(lines(tail.stdout)).to.have.length(1);
    expect(tail.stdout).to.include(`${input}:4`);
    expectOneLine(await sluice(['journal', 'cat', dataDir, 'items', '--kind', 'oops']), 2, 'journal cat: --kind must be one of data, error, eof, control, got "oops"');
  });

  it('cat in text mode writes no control character of a payload to the terminal', async () => {
    const result = await sluice(['journal', 'cat', dataDir, 'items']);
    expect(result.code, result.stderr).to.equal(0);
    expect(lines(result.stdout)).to.have.length(7);
    expect(result.stdout).not.to.match(CONTROL);
    expect(result.stdout).to.include('{"id":2,"text":"\\u001b[2J\\u007f\\u009b"}');
  });

  it('export-errors writes the failed inputs as JSON lines that a JSON-lines source reads back', async () => {
    const out = join(dir, 'check-errors.jsonl');
    const result = await sluice(['journal', 'export-errors', dataDir, 'check', '--out', out]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include(`1 failed input of stage "check" written to ${out}`);
    expect(readFileSync(out, 'utf8')).to.equal('{"id":5,"text":"fail me"}\n');
    const reader = await jsonLinesSource<Item>(out).open(undefined, { flow: 'fix', stage: 'again', signal: new AbortController().signal });
    const batch = await reader.read(10);
    await reader.close?.();
    expect(batch.values).to.deep.equal([{ id: 5, text: 'fail me' }]);
    expect(batch.errors).to.equal(undefined);
  });

  it('export-errors of a source writes its malformed lines as they were read, to stdout by default', async () => {
    const result = await sluice(['journal', 'export-errors', dataDir, 'items']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('{bad \u001b[31m red\n"caf\uFFFD"\n');
    expect(result.stderr).to.include('2 failed inputs of stage "items" written to stdout');
  });

  it('export-errors refuses to overwrite a file, and journal --help lists the subcommands', async () => {
    const existing = join(dir, 'existing.jsonl');
    writeFileSync(existing, 'keep\n');
    expectOneLine(await sluice(['journal', 'export-errors', dataDir, 'check', '--out', existing]), 1, `${existing} already exists`);
    expect(readFileSync(existing, 'utf8')).to.equal('keep\n');
    expect(existsSync(join(dir, 'nothing.jsonl'))).to.equal(false);
    const help = await sluice(['journal', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice journal cat/);
    expect(help.stdout).to.include('sluice journal export-errors <data-dir> <stage> [--from SEQ] [--out FILE]');
    expect(help.stdout).to.include('--kind KIND');
    expect(help.stdout).to.include('--errors');
  });
});
