import { describe, it } from 'mocha';
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JournalCorruptError,
  TerminalError,
  type SourceError,
  type SourceReader,
} from '@sluice/core';
import { jsonLinesSource, type JsonLinesPosition } from '../src/io/json-lines-source.ts';
import { stageContext, useTempDir } from './support/io-helpers.ts';

/** Everything a reader produces until done, per lane, with the position after each batch. */
interface Drained<T> {
  readonly values: T[];
  readonly errors: SourceError[];
  /** After each batch: its position and how many values and errors were read up to it. */
  readonly positions: { position: JsonLinesPosition; values: number; errors: number }[];
  readonly last: JsonLinesPosition;
}

async function drain<T>(
  reader: SourceReader<T, JsonLinesPosition>,
  max: number,
): Promise<Drained<T>> {
  const values: T[] = [];
  const errors: SourceError[] = [];
  const positions: Drained<T>['positions'] = [];
  for (let reads = 0; reads < 1_000_000; reads += 1) {
    const batch = await reader.read(max);
    expect(batch.values.length + (batch.errors?.length ?? 0)).to.be.at.most(max);
    values.push(...batch.values);
    errors.push(...(batch.errors ?? []));
    positions.push({ position: batch.position, values: values.length, errors: errors.length });
    if (batch.done) {
      await reader.close?.();
      return { values, errors, positions, last: batch.position };
    }
  }
  throw new Error('source never finished');
}

async function readFile<T>(path: string, max = 1000, at?: JsonLinesPosition): Promise<Drained<T>> {
  return drain(await jsonLinesSource<T>(path).open(at, stageContext()), max);
}

describe('jsonLinesSource', () => {
  const dir = useTempDir();

  it('reads one value per line and ends with the position after the last line', async () => {
    const path = join(dir(), 'in.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}\n[3]\n');
    const result = await readFile<unknown>(path);
    expect(result.values).to.deep.equal([{ a: 1 }, { a: 2 }, [3]]);
    expect(result.errors).to.deep.equal([]);
    expect(result.last).to.deep.equal({ offset: 20, line: 4 });
  });

  it('reports malformed lines with their exact line numbers, skipping blank lines', async () => {
    const path = join(dir(), 'bad.jsonl');
    const long = '{' + 'x'.repeat(70_000);
    const content = ['1', '', '{oops', '   ', '\t', '2', long, '3', 'nope', ''].join('\n');
    await writeFile(path, content);
    const reader = await jsonLinesSource<number>(path).open(undefined, stageContext());
    const batch = await reader.read(100);
    await reader.close?.();
    expect(batch.values).to.deep.equal([1, 2, 3]);
    const errors = batch.errors ?? [];
    expect(errors.map((e) => e.location)).to.deep.equal([
      `${path}:3`,
      `${path}:7`,
      `${path}:9`,
    ]);
    expect(errors[0]?.message).to.match(new RegExp(`^${escape(path)}:3: \\S`));
    expect(errors[0]?.input).to.equal('{oops');
    expect(errors[1]?.input).to.equal(long.slice(0, 65_536));
    expect(errors[2]?.input).to.equal('nope');
    expect(batch.position).to.deep.equal({ offset: Buffer.byteLength(content), line: 10 });
  });

  it('sends values that validate rejects to the error lane', async () => {
    const path = join(dir(), 'validated.jsonl');
    await writeFile(path, '{"n":1}\n{"n":"two"}\n{"n":3}\n');
    const validate = (value: unknown): { n: number } => {
      const n = (value as { n?: unknown }).n;
      if (typeof n !== 'number') throw new TypeError('n must be a number');
      return { n };
    };
    const reader = await jsonLinesSource(path, { validate }).open(undefined, stageContext());
    const batch = await reader.read(10);
    await reader.close?.();
    expect(batch.values).to.deep.equal([{ n: 1 }, { n: 3 }]);
    expect(batch.errors).to.deep.equal([
      { message: `${path}:2: n must be a number`, location: `${path}:2`, input: '{"n":"two"}' },
    ]);
  });

  it('handles CRLF line endings', async () => {
    const path = join(dir(), 'crlf.jsonl');
    const content = '{"a":"x"}\r\n\r\n{bad\r\n"end"\r\n';
    await writeFile(path, content);
    const result = await readFile<unknown>(path);
    expect(result.values).to.deep.equal([{ a: 'x' }, 'end']);
    expect(result.errors.map((e) => [e.location, e.input])).to.deep.equal([[`${path}:3`, '{bad']]);
    expect(result.last).to.deep.equal({ offset: Buffer.byteLength(content), line: 5 });
  });

  it('reads a last line without a newline', async () => {
    const path = join(dir(), 'tail.jsonl');
    const content = '1\n2\n{"last":true}';
    await writeFile(path, content);
    const result = await readFile<unknown>(path);
    expect(result.values).to.deep.equal([1, 2, { last: true }]);
    expect(result.last).to.deep.equal({ offset: Buffer.byteLength(content), line: 4 });
    const again = await readFile<unknown>(path, 10, result.last);
    expect(again.values).to.deep.equal([]);
    expect(again.last).to.deep.equal(result.last);
  });

  it('skips a byte-order mark on the first line', async () => {
    const path = join(dir(), 'bom.jsonl');
    await writeFile(path, '\uFEFF{"a":1}\n{"a":2}\n');
    expect((await readFile<unknown>(path)).values).to.deep.equal([{ a: 1 }, { a: 2 }]);
  });

  it('sends a line that is not UTF-8 to the error lane, naming file:line and the byte, and goes on', async () => {
    const path = join(dir(), 'latin1.jsonl');
    const bad: [Buffer, string][] = [
      [Buffer.from('"caf\xe9"', 'latin1'), 'byte 5 (0xe9)'], // Latin-1
      [Buffer.from([0x22, 0x80, 0x22]), 'byte 2 (0x80)'], // lone continuation byte
      [Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'byte 2 (0xc0)'], // overlong '/'
      [Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'byte 2 (0xed)'], // encoded surrogate
      [Buffer.from([0x22, 0xe2, 0x82]), 'byte 2 (0xe2)'], // truncated at the end of the line
    ];
    const good = (n: number): Buffer => Buffer.from(`{"n":${n},"s":"é€𝄞"}\n`);
    const parts = [good(1)];
    for (const [i, [bytes]] of bad.entries()) parts.push(bytes, Buffer.from('\r\n'), good(i + 2));
    parts.push(Buffer.from([0x22, 0x61, 0xf0, 0x9f, 0x98])); // truncated at the end of the file
    await writeFile(path, Buffer.concat(parts));
    const result = await readFile<{ n: number; s: string }>(path, 3);
    expect(result.values.map((v) => v.n)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(result.values.every((v) => v.s === 'é€𝄞')).to.equal(true);
    const lines = [...bad.map((_, i) => 2 * i + 2), 12];
    const where = [...bad.map(([, at]) => at), 'byte 3 (0xf0)'];
    expect(result.errors.map((e) => e.location)).to.deep.equal(lines.map((n) => `${path}:${n}`));
    expect(result.errors.map((e) => e.message)).to.deep.equal(
      lines.map((n, i) => `${path}:${n}: invalid UTF-8 at ${where[i] ?? ''}: JSON text must be UTF-8`),
    );
    expect(result.errors[0]?.input).to.equal('"caf\uFFFD"');
    expect(result.last).to.deep.equal({ offset: Buffer.concat(parts).length, line: 13 });
  });

  it('sends a line holding only a byte-order mark (or opening with one) after the first to the error lane', async () => {
    const path = join(dir(), 'boms.jsonl');
    await writeFile(path, '\uFEFF1\n\uFEFF\n2\n\uFEFF3\n\u00A0\n4\n');
    const result = await readFile<number>(path);
    expect(result.values).to.deep.equal([1, 2, 4]);
    expect(result.errors.map((e) => [e.location, e.input])).to.deep.equal([
      [`${path}:2`, '\uFEFF'],
      [`${path}:4`, '\uFEFF3'],
      [`${path}:5`, '\u00A0'],
    ]);
    expect(result.errors[0]?.message).to.equal(
      `${path}:2: unexpected byte-order mark (U+FEFF): only the start of the file may have one`,
    );
  });

  it('skips a file that opens with a byte-order mark alone on its line', async () => {
    const path = join(dir(), 'bom-line.jsonl');
    await writeFile(path, '\uFEFF\n1\n');
    const result = await readFile<number>(path);
    expect(result.values).to.deep.equal([1]);
    expect(result.errors).to.deep.equal([]);
  });

  it('resumes from every committed position with no duplicate and no loss', async () => {
    const path = join(dir(), 'resume.jsonl');
    const lines = ['{"i":0}', '', '{"i":1}', 'broken', '{"i":"é—2"}', '  ', '{"i":3}', '4', '{'];
    await writeFile(path, lines.join('\r\n').replace('broken\r\n', 'broken\n') + '\n');
    const full = await readFile<unknown>(path);
    expect(full.values).to.have.length(5);
    expect(full.errors.map((e) => e.location)).to.deep.equal([`${path}:4`, `${path}:9`]);
    for (const max of [1, 2, 3]) {
      const stepwise = await readFile<unknown>(path, max);
      expect(stepwise.values, `max ${max}`).to.deep.equal(full.values);
      expect(stepwise.errors, `max ${max}`).to.deep.equal(full.errors);
      for (const { position, values, errors } of stepwise.positions) {
        const at = `max ${max} from ${JSON.stringify(position)}`;
        const resumed = await readFile<unknown>(path, max, position);
        // read before the commit + read after the restart = everything, exactly once
        expect([...full.values.slice(0, values), ...resumed.values], at).to.deep.equal(full.values);
        expect([...full.errors.slice(0, errors), ...resumed.errors], at).to.deep.equal(full.errors);
        expect(resumed.last, at).to.deep.equal(full.last);
      }
    }
  });

  it('keeps exact line numbers after a resume', async () => {
    const path = join(dir(), 'numbers.jsonl');
    await writeFile(path, '1\n\n2\nbad\n3\n\nworse\n');
    const reader = await jsonLinesSource<number>(path).open(undefined, stageContext());
    const first = await reader.read(2);
    await reader.close?.();
    expect(first.values).to.deep.equal([1, 2]);
    expect(first.position).to.deep.equal({ offset: 5, line: 4 });
    const resumed = await jsonLinesSource<number>(path).open(first.position, stageContext());
    const rest = await resumed.read(10);
    await resumed.close?.();
    expect(rest.values).to.deep.equal([3]);
    expect(rest.errors?.map((e) => e.location)).to.deep.equal([`${path}:4`, `${path}:7`]);
    expect(rest.done).to.equal(true);
  });

  it('reads lines longer than its read chunk', async () => {
    const path = join(dir(), 'long.jsonl');
    const big = 'y'.repeat(600 * 1024);
    await writeFile(path, `"${big}"\n"small"\n"${big}"`);
    const result = await readFile<string>(path, 1);
    expect(result.values.map((s) => s.length)).to.deep.equal([big.length, 5, big.length]);
  });

  it('reads 100k lines in bounded batches', async () => {
    const path = join(dir(), 'many.jsonl');
    const text = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ i, name: `n${i}` }));
    await writeFile(path, text.join('\n') + '\n');
    const result = await readFile<{ i: number }>(path, 1000);
    expect(result.values).to.have.length(100_000);
    expect(result.values[99_999]?.i).to.equal(99_999);
    expect(result.last.line).to.equal(100_001);
  });

  it('rejects a read after close, naming the state', async () => {
    const path = join(dir(), 'closed.jsonl');
    await writeFile(path, '1\n');
    const reader = await jsonLinesSource(path).open(undefined, stageContext());
    await reader.close?.();
    const error = (await caught(reader.read(1))) as Error;
    expect(error.message).to.match(/read\(\) in state closed/);
  });

  it('fails to open a missing file, naming the path', async () => {
    const path = join(dir(), 'missing.jsonl');
    const error = await caught(jsonLinesSource(path).open(undefined, stageContext()));
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.equal(`jsonLinesSource: file not found: ${path}`);
  });

  it('rejects a committed position that no longer fits the file', async () => {
    const path = join(dir(), 'changed.jsonl');
    await writeFile(path, '1\n2\n');
    const past = await caught(jsonLinesSource(path).open({ offset: 9, line: 3 }, stageContext()));
    expect(past).to.be.instanceOf(JournalCorruptError);
    expect((past as Error).message).to.match(/past the end of the file \(4 bytes\)/);
    const inside = await caught(jsonLinesSource(path).open({ offset: 1, line: 2 }, stageContext()));
    expect((inside as Error).message).to.match(/not at the start of a line/);
  });
});

async function caught(promise: unknown): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
