import { describe, it } from 'mocha';
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JournalCorruptError, TerminalError, type SourceError, type SourceHandler } from '@sluice/core';
import { csvSource, type CsvPosition } from '../src/io/csv-source.ts';
import { stageContext, useTempDir } from './support/io-helpers.ts';

/** Everything a CSV source reads until done. */
interface Drained<T> {
  readonly values: T[];
  readonly errors: SourceError[];
  readonly last: CsvPosition;
}

async function drain<T>(
  handler: SourceHandler<T, CsvPosition>,
  max = 1000,
  at?: CsvPosition,
): Promise<Drained<T>> {
  const reader = await handler.open(at, stageContext());
  const values: T[] = [];
  const errors: SourceError[] = [];
  for (;;) {
    const batch = await reader.read(max);
    expect(batch.values.length + (batch.errors?.length ?? 0)).to.be.at.most(max);
    values.push(...batch.values);
    errors.push(...(batch.errors ?? []));
    if (batch.done) {
      await reader.close?.();
      return { values, errors, last: batch.position };
    }
  }
}

describe('csvSource', () => {
  const dir = useTempDir();
  const file = async (name: string, content: string | Buffer): Promise<string> => {
    const path = join(dir(), name);
    await writeFile(path, content);
    return path;
  };

  it('names fields by the header row, as strings by default', async () => {
    const path = await file('plain.csv', 'id,name\n1,ann\n2,bob\n');
    const result = await drain<Record<string, string>>(csvSource(path));
    expect(result.values).to.deep.equal([
      { id: '1', name: 'ann' },
      { id: '2', name: 'bob' },
    ]);
    expect(result.errors).to.deep.equal([]);
    expect(result.last.offset).to.equal(20);
    expect(result.last.line).to.equal(4);
  });

  it('parses RFC 4180: quotes, doubled quotes, delimiters and line breaks inside quotes, CRLF', async () => {
    const content =
      '\uFEFFa,"b c",d\r\n' +
      '"x, y","say ""hi""",\r\n' +
      '"multi\r\nline","two\nbreaks\nhere",z\r\n' +
      ',"",""""\r\n' +
      '\r\n' + // a blank line is skipped, but counted
      'last,row,no-newline';
    const path = await file('rfc.csv', content);
    const result = await drain<Record<string, string>>(csvSource(path), 2);
    expect(result.values).to.deep.equal([
      { a: 'x, y', 'b c': 'say "hi"', d: '' },
      { a: 'multi\r\nline', 'b c': 'two\nbreaks\nhere', d: 'z' },
      { a: '', 'b c': '', d: '"' },
      { a: 'last', 'b c': 'row', d: 'no-newline' },
    ]);
    expect(result.errors).to.deep.equal([]);
    expect(result.last).to.include({ offset: Buffer.byteLength(content), line: 10 });
  });

  it('takes another delimiter', async () => {
    const path = await file('semi.csv', 'a;b\n"1;2";3\n');
    const result = await drain(csvSource(path, { delimiter: ';' }));
    expect(result.values).to.deep.equal([{ a: '1;2', b: '3' }]);
  });

  it('types columns and infers the record type from them', async () => {
    const path = await file(
      'typed.csv',
      'id,price,qty,paid,at,tags,note\n' +
        '7,12.5,3,true,2026-12-01T10:00:00Z,a|b,x\n' +
        '8,-1e3, 40 ,FALSE,2026-12-02,,y\n',
    );
    const handler = csvSource(path, {
      columns: {
        id: 'string',
        price: 'number',
        qty: 'integer',
        paid: 'boolean',
        at: 'date',
        tags: (raw: string) => (raw === '' ? [] : raw.split('|')),
      },
    });
    const reader = await handler.open(undefined, stageContext());
    const batch = await reader.read(10);
    await reader.close?.();
    // Compile-time: the record type comes from `columns`.
    const first = batch.values[0];
    const typed: { id: string; price: number; qty: number; paid: boolean; at: Date; tags: string[] } | undefined =
      first;
    expect(typed).to.not.equal(undefined);
    // @ts-expect-error price is a number, not a string
    const price: string | undefined = first?.price;
    expect(price).to.equal(12.5);
    expect(batch.values).to.deep.equal([
      { id: '7', price: 12.5, qty: 3, paid: true, at: new Date(Date.UTC(2026, 11, 1, 10)), tags: ['a', 'b'] },
      { id: '8', price: -1000, qty: 40, paid: false, at: new Date(Date.UTC(2026, 11, 2)), tags: [] },
    ]);
  });

  it('sends bad rows to the error lane as file:line with the reason, and goes on', async () => {
    const content = [
      'id,price,qty',
      '1,2.5,3', // line 2: good
      '2,3', // 3: too few fields
      '3,abc,1', // 4: not a number
      '4,1.5,2.5', // 5: not an integer
      '"5,"1",1', // 6: stray characters after a closing quote
      '6,7,8,9', // 7: too many
      'ab"c,1,2', // 8: a quote inside an unquoted field
      '9,1,1', // 9: good
      '"10,1,1', // 10: an unterminated quote runs to the end of the file
      '11,1,1',
    ].join('\n');
    const path = await file('bad.csv', content);
    const handler = csvSource(path, { columns: { id: 'integer', price: 'number', qty: 'integer' } });
    const result = await drain<{ id: number }>(handler, 3);
    expect(result.values.map((v) => v.id)).to.deep.equal([1, 9]);
    const at = (line: number): string => `${path}:${line}`;
    expect(result.errors.map((e) => e.location)).to.deep.equal([3, 4, 5, 6, 7, 8, 10].map(at));
    const messages = result.errors.map((e) => e.message);
    expect(messages[0]).to.equal(`${at(3)}: expected 3 fields (id, price, qty), got 2`);
    expect(messages[1]).to.equal(`${at(4)}: column "price": "abc" is not a number`);
    expect(messages[2]).to.equal(`${at(5)}: column "qty": "2.5" is not an integer`);
    expect(messages[3]).to.match(new RegExp(`^${esc(at(6))}: .*after the closing quote.*field 1 \\(id\\)`));
    expect(messages[4]).to.equal(`${at(7)}: expected 3 fields (id, price, qty), got 4`);
    expect(messages[5]).to.match(new RegExp(`^${esc(at(8))}: .*quote inside an unquoted field.*field 1 \\(id\\)`));
    expect(messages[6]).to.match(new RegExp(`^${esc(at(10))}: unterminated quoted field`));
    expect(result.errors[1]?.input).to.equal('3,abc,1');
    expect(result.errors[6]?.input).to.equal('"10,1,1\n11,1,1');
    expect(result.last).to.include({ offset: Buffer.byteLength(content), line: 12 });
  });

  it('names the column when a converter throws', async () => {
    const path = await file('fn.csv', 'code\nok\nbad\n');
    const code = (raw: string): string => {
      if (raw === 'bad') throw new RangeError('unknown code');
      return raw.toUpperCase();
    };
    const result = await drain(csvSource(path, { columns: { code } }));
    expect(result.values).to.deep.equal([{ code: 'OK' }]);
    expect(result.errors.map((e) => e.message)).to.deep.equal([`${path}:3: column "code": unknown code`]);
  });

  it('sends a row that is not UTF-8 to the error lane, naming file:line', async () => {
    const path = await file(
      'latin1.csv',
      Buffer.concat([Buffer.from('name\n"ok"\n'), Buffer.from('caf\xe9\n', 'latin1'), Buffer.from('é€\n')]),
    );
    const result = await drain(csvSource(path));
    expect(result.values).to.deep.equal([{ name: 'ok' }, { name: 'é€' }]);
    expect(result.errors.map((e) => e.message)).to.deep.equal([
      `${path}:3: invalid UTF-8 at byte 4 (0xe9) of line 3: CSV text must be UTF-8`,
    ]);
  });

  it('fails the stage on a missing or duplicate header column, naming the file and column', async () => {
    const dup = await file('dup.csv', 'a,b,a\n1,2,3\n');
    const dupError = await caught(csvSource(dup).open(undefined, stageContext()));
    expect(dupError).to.be.instanceOf(TerminalError);
    expect((dupError as Error).message).to.equal(`csvSource(${dup}): duplicate header column "a" (fields 1 and 3)`);
    const missing = await file('missing-col.csv', 'a,b\n1,2\n');
    const missingError = await caught(
      csvSource(missing, { columns: { a: 'string', c: 'number' } }).open(undefined, stageContext()),
    );
    expect(missingError).to.be.instanceOf(TerminalError);
    expect((missingError as Error).message).to.equal(
      `csvSource(${missing}): header has no column "c" (it has: a, b)`,
    );
    const empty = await file('empty.csv', '');
    expect(((await caught(csvSource(empty).open(undefined, stageContext()))) as Error).message).to.equal(
      `csvSource(${empty}): no header row (the file is empty)`,
    );
  });

  it('names csvSource when the file is missing or a position is past its end', async () => {
    const gone = join(dir(), 'gone.csv');
    const missing = await caught(csvSource(gone).open(undefined, stageContext()));
    expect(missing).to.be.instanceOf(TerminalError);
    expect((missing as Error).message).to.equal(`csvSource: file not found: ${gone}`);
    const path = await file('short.csv', 'a\n1\n');
    const past = await caught(csvSource(path).open({ offset: 40, line: 9, header: 'x' }, stageContext()));
    expect(past).to.be.instanceOf(JournalCorruptError);
    expect((past as Error).message).to.match(/^csvSource\(.*past the end of the file \(4 bytes\)/);
  });

  it('rejects a bad delimiter when the source is defined', () => {
    expect(() => csvSource('x.csv', { delimiter: '"' })).to.throw(TerminalError, /delimiter/);
    expect(() => csvSource('x.csv', { delimiter: ',,' })).to.throw(TerminalError, /delimiter/);
  });

  it('keeps exact line numbers after a resume, and refuses a position whose header changed', async () => {
    const path = await file('resume.csv', 'n\n1\n"2\n2"\nx,y\n3\n');
    const reader = await csvSource(path).open(undefined, stageContext());
    const first = await reader.read(2);
    await reader.close?.();
    expect(first.values).to.deep.equal([{ n: '1' }, { n: '2\n2' }]);
    expect(first.position).to.include({ line: 5 });
    const rest = await drain(csvSource(path), 10, first.position);
    expect(rest.values).to.deep.equal([{ n: '3' }]);
    expect(rest.errors.map((e) => e.location)).to.deep.equal([`${path}:5`]);
    await writeFile(path, 'm\n1\n"2\n2"\nx,y\n3\n');
    const changed = await caught(csvSource(path).open(first.position, stageContext()));
    expect(changed).to.be.instanceOf(JournalCorruptError);
    expect((changed as Error).message).to.match(/header row changed/);
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

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
