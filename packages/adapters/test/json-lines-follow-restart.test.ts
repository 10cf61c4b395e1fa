import { describe, it } from 'mocha';
import { expect } from 'chai';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flow, sink, source, type SinkHandler } from '@sluice/core';
import { createTestKit, type TestKit } from '@sluice/adapters/testing';
import { jsonLinesSource } from '../src/index.ts';
import { useTempDir } from './support/io-helpers.ts';

/** A sink that keeps what it is given, in the test's memory. */
function collect<T>(into: T[]): SinkHandler<T, number> {
  return {
    open: () => ({
      write: (values) => {
        into.push(...values);
        return into.length;
      },
    }),
  };
}

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"n":${String(from + i)}}\n`).join('');

describe('jsonLinesSource follow, in a flow on LMDB', () => {
  const dir = useTempDir();
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    kit = undefined;
  });

  it('reads what is appended, survives a crash and a rotation while down: every line once in the journal', async () => {
    const path = join(dir(), 'live.jsonl');
    await writeFile(path, lines(1, 5));
    const out: { n: number }[] = [];
    const log = source('log', jsonLinesSource<{ n: number }>(path, { follow: true, pollMs: 100 }));
    kit = createTestKit(flow('tail', [sink('out', log, collect(out))]), { store: 'lmdb', batchSize: 2 });
    await kit.until(() => out.length === 5);
    await appendFile(path, lines(6, 8) + '{"n":');
    await kit.until(() => out.length === 8);
    await kit.crash();
    // While down: the partial line is finished, the file rotated, and the new one written.
    await appendFile(path, '9}\n' + lines(10, 10));
    await rename(path, `${path}.1`);
    await writeFile(path, lines(11, 12));
    await kit.restart();
    const journal = kit;
    await kit.until(async () => (await journal.journal('log')).length >= 12);
    await appendFile(path, lines(13, 13));
    await kit.until(async () => (await journal.journal('log')).length >= 13);
    const read = (await kit.journal<{ n: number }>('log')).map((v) => v.n);
    expect(read).to.deep.equal(Array.from({ length: 13 }, (_, i) => i + 1));
    const summary = await kit.stop();
    expect(summary.state, 'a stop ends a followed source').to.equal('stopped');
  });

  it('notes a truncation in the activity log and reads the file again from the start', async () => {
    const path = join(dir(), 'trunc.jsonl');
    await writeFile(path, lines(1, 3));
    const out: { n: number }[] = [];
    const log = source('log', jsonLinesSource<{ n: number }>(path, { follow: true, pollMs: 100 }));
    kit = createTestKit(flow('tail', [sink('out', log, collect(out))]), { store: 'lmdb' });
    await kit.until(() => out.length === 3);
    await writeFile(path, lines(4, 4));
    await kit.until(() => out.length === 4);
    const notices = (await kit.activity()).filter((a) => a.type === 'stage.notice');
    expect(notices.map((a) => (a as { kind?: string }).kind)).to.deep.equal(['source.truncated']);
  });
});
