import { expect } from 'chai';
import { describe, it } from 'mocha';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JournalCorruptError, TerminalError, type SinkWriter } from '@sluice/core';
import { jsonLinesSink, type JsonLinesSinkPosition } from '../src/io/json-lines-sink.ts';
import { stageContext, useTempDir } from './support/io-helpers.ts';

type Writer = SinkWriter<unknown, JsonLinesSinkPosition>;

async function openSink(path: string, at?: JsonLinesSinkPosition): Promise<Writer> {
  return jsonLinesSink<unknown>(path).open(at, stageContext());
}

async function lines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('jsonLinesSink', () => {
  const dir = useTempDir();

  it('creates the file and its directories and appends one JSON line per value', async () => {
    const path = join(dir(), 'nested', 'deeper', 'out.jsonl');
    const writer = await openSink(path);
    const first = await writer.write([{ a: 1 }, 'two']);
    const second = await writer.write([[3]]);
    await writer.close?.();
    expect(await readFile(path, 'utf8')).to.equal('{"a":1}\n"two"\n[3]\n');
    expect(first).to.deep.equal({ bytes: 14, lines: 2 });
    expect(second).to.deep.equal({ bytes: 18, lines: 3 });
  });

  it('returns the same position for an empty batch without writing', async () => {
    const path = join(dir(), 'empty.jsonl');
    const writer = await openSink(path);
    expect(await writer.write([])).to.deep.equal({ bytes: 0, lines: 0 });
    await writer.close?.();
    expect((await stat(path)).size).to.equal(0);
  });

  it('cuts back output written after the last commit, so a replay is not duplicated', async () => {
    const path = join(dir(), 'exactly-once.jsonl');
    const writer = await openSink(path);
    const committed = await writer.write([1, 2]);
    await writer.write([3, 4]); // written, then a crash before its position was committed
    await writer.close?.();
    expect(await lines(path)).to.deep.equal([1, 2, 3, 4]);

    const reopened = await openSink(path, committed);
    expect(await lines(path)).to.deep.equal([1, 2]);
    const after = await reopened.write([3, 4]); // the runtime delivers the batch again
    await reopened.write([5]);
    await reopened.close?.();
    expect(after).to.deep.equal({ bytes: 8, lines: 4 });
    expect(await lines(path)).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('starts an existing file empty on a first run (the file belongs to the sink)', async () => {
    const path = join(dir(), 'stale.jsonl');
    await writeFile(path, '"left over from a crash before the first commit"\n');
    const writer = await openSink(path);
    await writer.write(['fresh']);
    await writer.close?.();
    expect(await lines(path)).to.deep.equal(['fresh']);
  });

  it('refuses a file shorter than committed, naming the path and both lengths', async () => {
    const path = join(dir(), 'shrunk.jsonl');
    const writer = await openSink(path);
    const committed = await writer.write(['a', 'b', 'c']);
    await writer.close?.();
    await truncate(path, 4);
    const error = await caught(openSink(path, committed));
    expect(error).to.be.instanceOf(JournalCorruptError);
    expect((error as Error).message).to.include(path).and.include('4 bytes').and.include('12');
    expect((error as JournalCorruptError).stage).to.equal('test-stage');
  });

  it('throws naming the index of a value that cannot be serialized, writing nothing', async () => {
    const path = join(dir(), 'bad.jsonl');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const writer = await openSink(path);
    const error = await caught(Promise.resolve(writer.write([1, 2n ** 3n, 3])));
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.match(/value at index 1 cannot be serialized/);
    const cycle = await caught(Promise.resolve(writer.write(['ok', cyclic])));
    expect((cycle as Error).message).to.match(/index 1/);
    const nothing = await caught(Promise.resolve(writer.write([undefined])));
    expect((nothing as Error).message).to.match(/index 0/);
    expect(await writer.write(['still works'])).to.deep.equal({ bytes: 14, lines: 1 });
    await writer.close?.();
    expect(await lines(path)).to.deep.equal(['still works']);
  });

  it('writes without fsync when sync is off', async () => {
    const path = join(dir(), 'nosync.jsonl');
    const sink = jsonLinesSink<number>(path, { sync: false });
    const writer = await sink.open(undefined, stageContext());
    await writer.write([1]);
    await writer.close?.();
    expect(await lines(path)).to.deep.equal([1]);
  });

  it('rejects a write after close, naming the state', async () => {
    const writer = await openSink(join(dir(), 'closed.jsonl'));
    await writer.close?.();
    const error = await caught(Promise.resolve().then(() => writer.write([1])));
    expect((error as Error).message).to.match(/write\(\) in state closed/);
  });
});
