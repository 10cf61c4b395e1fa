import { expect } from 'chai';
import { describe, it } from 'mocha';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineReader, type FileLine } from '../src/io/line-reader.ts';
import { firstInvalidUtf8 } from '../src/io/utf8-check.ts';
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

  it('decodes multi-byte characters split across read chunks, and marks no valid line', async () => {
    const path = join(dir(), 'utf8.txt');
    const text = ['€ 2€', '𝄞 clef 𝄞', 'ü—ß', '\uFEFFbom kept'];
    await writeFile(path, text.join('\n'));
    for (const chunkSize of [1, 2, 3, 5]) {
      const lines = await readLines(path, 0, chunkSize);
      expect(lines.map((l) => l.text), `chunk ${chunkSize}`).to.deep.equal(text);
      expect(lines.map((l) => l.invalid?.index), `chunk ${chunkSize}`).to.deep.equal(text.map(() => undefined));
    }
  });

  it('marks a line that is not UTF-8 with the index of its first bad byte, whatever the chunk size', async () => {
    const path = join(dir(), 'bad.txt');
    const lines: [Buffer, number][] = [
      [Buffer.from('caf\xe9', 'latin1'), 3], // Latin-1
      [Buffer.from([0x61, 0x80, 0x62]), 1], // lone continuation byte
      [Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 1], // overlong '/'
      [Buffer.from([0x22, 0xe0, 0x80, 0xaf, 0x22]), 1], // overlong, three bytes
      [Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 1], // encoded surrogate U+D800
      [Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), 1], // past U+10FFFF
      [Buffer.from([0x22, 0xe2, 0x82, 0x22]), 1], // truncated at the end of the line: '"' is no continuation
      [Buffer.from([0x78, 0xe2, 0x82]), 1], // truncated, then newline
      [Buffer.from([0x22, 0x61, 0xf0, 0x9f, 0x98]), 2], // truncated at the end of the file
    ];
    await writeFile(path, Buffer.concat(lines.flatMap(([bytes], i) => (i === lines.length - 1 ? [bytes] : [bytes, Buffer.from('\n')]))));
    for (const chunkSize of [1, 2, 3, 64]) {
      const read = await readLines(path, 0, chunkSize);
      expect(read.map((l) => l.invalid?.index), `chunk ${chunkSize}`).to.deep.equal(lines.map(([, at]) => at));
      expect(read.map((l) => l.bytes), `chunk ${chunkSize}`).to.deep.equal(
        lines.map(([bytes], i) => bytes.length + (i === lines.length - 1 ? 0 : 1)),
      );
    }
  });

  it('finds a bad byte exactly when the strict decoder rejects the bytes (random bytes)', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 5_000; round += 1) {
      const bytes = Uint8Array.from({ length: 1 + random(6) }, () => edges[random(edges.length)] ?? 0);
      let valid = true;
      try {
        strict.decode(bytes);
      } catch {
        valid = false;
      }
      const at = firstInvalidUtf8(bytes);
      expect(at === -1, `bytes ${Buffer.from(bytes).toString('hex')}`).to.equal(valid);
      // Everything before the reported byte is well formed.
      if (at > 0) expect(() => strict.decode(bytes.subarray(0, at))).not.to.throw();
    }
  });
});
