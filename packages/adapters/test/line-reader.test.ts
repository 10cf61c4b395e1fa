import { expect } from 'chai';
import { describe, it } from 'mocha';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineReader, type FileLine } from '../src/io/line-reader.ts';
import { useTempDir } from './support/io-helpers.ts';

async function readLines(path: string, offset: number, chunkSize: number): Promise<FileLine[]> {
  const file = await open(path, 'r');
  try {
    const reader = new LineReader(file, offset, chunkSize);
    const lines: FileLine[] = [];
    for (let line = await reader.next(); line !== undefined; line = await reader.next()) {
      lines.push(line);
    }
    return lines;
  } finally {
    await file.close();
  }
}

describe('LineReader', () => {
  const dir = useTempDir();
  const content = 'ab\r\n€uro—dash\n\nà la ligne très longue, bien plus que le tampon\r\nfin';

  it('splits lines identically whatever the chunk size', async () => {
    const path = join(dir(), 'lines.txt');
    await writeFile(path, content);
    const long = 'à la ligne très longue, bien plus que le tampon';
    const expected = ['ab', '€uro—dash', '', long, 'fin'];
    for (const chunkSize of [1, 2, 3, 4, 7, 64, 1024]) {
      const lines = await readLines(path, 0, chunkSize);
      expect(lines.map((l) => l.text), `chunk ${chunkSize}`).to.deep.equal(expected);
      const total = lines.reduce((sum, l) => sum + l.bytes, 0);
      expect(total, `chunk ${chunkSize}`).to.equal(Buffer.byteLength(content));
    }
  });

  it('starts at a byte offset', async () => {
    const path = join(dir(), 'offset.txt');
    await writeFile(path, content);
    const lines = await readLines(path, Buffer.byteLength('ab\r\n€uro—dash\n'), 3);
    expect(lines.map((l) => l.text)).to.deep.equal([
      '',
      'à la ligne très longue, bien plus que le tampon',
      'fin',
    ]);
  });

  it('reads nothing from an empty file or from its end', async () => {
    const path = join(dir(), 'empty.txt');
    await writeFile(path, '');
    expect(await readLines(path, 0, 4)).to.deep.equal([]);
    await writeFile(path, 'x\n');
    expect(await readLines(path, 2, 4)).to.deep.equal([]);
  });
});
