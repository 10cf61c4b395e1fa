import { expect } from 'chai';
import { describe, it } from 'mocha';
import { PassThrough } from 'node:stream';
import { TerminalError } from '@sluice/core';
import { consoleSink } from '../src/io/console-sink.ts';
import { stageContext } from './support/io-helpers.ts';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('consoleSink', () => {
  it('writes one JSON line per value and counts what it wrote', async () => {
    const { stream, text } = capture();
    const writer = await consoleSink<unknown>({ stream }).open(undefined, stageContext());
    expect(await writer.write([{ a: 1 }, 'b'])).to.equal(2);
    expect(await writer.write([])).to.equal(2);
    expect(await writer.write([null])).to.equal(3);
    expect(text()).to.equal('{"a":1}\n"b"\nnull\n');
  });

  it('uses a custom format', async () => {
    const { stream, text } = capture();
    const format = (n: number): string => `n=${n}`;
    const writer = await consoleSink({ stream, format }).open(undefined, stageContext());
    await writer.write([1, 2]);
    expect(text()).to.equal('n=1\nn=2\n');
  });

  it('continues counting from the committed position (at-least-once)', async () => {
    const { stream, text } = capture();
    const writer = await consoleSink<number>({ stream }).open(5, stageContext());
    expect(await writer.write([6, 7])).to.equal(7);
    expect(text()).to.equal('6\n7\n');
  });

  it('throws naming the index of a value it cannot format, writing nothing', async () => {
    const { stream, text } = capture();
    const writer = await consoleSink<unknown>({ stream }).open(undefined, stageContext());
    let caught: unknown;
    await Promise.resolve(writer.write(['ok', 1n])).catch((error: unknown) => (caught = error));
    expect(caught).to.be.instanceOf(TerminalError);
    expect((caught as Error).message).to.match(/consoleSink: value at index 1 cannot be/);
    expect(text()).to.equal('');
  });
});
