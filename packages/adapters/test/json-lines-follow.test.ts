import { describe, it } from 'mocha';
import { expect } from 'chai';
import { appendFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedClock, type SourceReader, type StageContext, type StageNotice } from '@sluice/core';
import { jsonLinesSource, type JsonLinesPosition } from '../src/io/json-lines-source.ts';
import { stageContext, useTempDir } from './support/io-helpers.ts';

interface Followed {
  readonly context: StageContext;
  readonly clock: SimulatedClock;
  readonly notices: StageNotice[];
  wakes: number;
}

/** A context with a simulated clock, recording notices and wakes. */
function followContext(): Followed {
  const clock = new SimulatedClock();
  const notices: StageNotice[] = [];
  const followed: Followed = {
    clock,
    notices,
    wakes: 0,
    context: {
      ...stageContext(),
      clock,
      note: (notice) => notices.push(notice),
      wake: () => {
        followed.wakes += 1;
      },
    },
  };
  return followed;
}

type Reader = SourceReader<unknown, JsonLinesPosition>;

/** Reads once, asserting the batch never says done. */
async function readAll(reader: Reader): Promise<{ values: unknown[]; position: JsonLinesPosition }> {
  const batch = await reader.read(1000);
  expect(batch.done).to.equal(false);
  return { values: [...batch.values], position: batch.position };
}

describe('jsonLinesSource follow', () => {
  const dir = useTempDir();

  it('does not end at EOF and reads lines appended later', async () => {
    const path = join(dir(), 'live.jsonl');
    await writeFile(path, '1\n2\n');
    const { context } = followContext();
    const reader = await jsonLinesSource(path, { follow: true }).open(undefined, context);
    expect((await readAll(reader)).values).to.deep.equal([1, 2]);
    expect((await readAll(reader)).values).to.deep.equal([]);
    await appendFile(path, '3\n4\n');
    const after = await readAll(reader);
    expect(after.values).to.deep.equal([3, 4]);
    expect(after.position).to.include({ offset: 8, line: 5 });
    await reader.close?.();
  });

  it('wakes the stage on the run clock every pollMs while at EOF', async () => {
    const path = join(dir(), 'poll.jsonl');
    await writeFile(path, '');
    const followed = followContext();
    const reader = await jsonLinesSource(path, { follow: true, pollMs: 50 }).open(undefined, followed.context);
    await readAll(reader);
    const before = followed.wakes;
    await followed.clock.advance(49);
    expect(followed.wakes).to.equal(before);
    await followed.clock.advance(1);
    expect(followed.wakes).to.be.greaterThan(before);
    await reader.close?.();
    expect(followed.clock.pending).to.equal(0);
  });

  it('does not read a partial last line until its newline arrives', async () => {
    const path = join(dir(), 'partial.jsonl');
    await writeFile(path, '{"a":1}\n{"a":');
    const { context } = followContext();
    const reader = await jsonLinesSource(path, { follow: true }).open(undefined, context);
    const first = await readAll(reader);
    expect(first.values).to.deep.equal([{ a: 1 }]);
    expect(first.position).to.include({ offset: 8, line: 2 });
    await appendFile(path, '2');
    expect((await readAll(reader)).values).to.deep.equal([]);
    await appendFile(path, '}\n');
    const second = await readAll(reader);
    expect(second.values).to.deep.equal([{ a: 2 }]);
    expect(second.position).to.include({ offset: 16, line: 3 });
    await reader.close?.();
  });

  it('on rotation reads the old file to its end, then the new file from 0', async () => {
    const path = join(dir(), 'app.jsonl');
    await writeFile(path, '1\n');
    const followed = followContext();
    const reader = await jsonLinesSource(path, { follow: true }).open(undefined, followed.context);
    expect((await readAll(reader)).values).to.deep.equal([1]);
    await appendFile(path, '2\n3');
    await rename(path, `${path}.1`);
    await writeFile(path, '"new-1"\n"new-2"\n');
    const after = await readAll(reader);
    expect(after.values).to.deep.equal([2, 3, 'new-1', 'new-2']);
    expect(after.position).to.include({ offset: 16, line: 3 });
    expect(followed.notices.map((n) => n.kind)).to.deep.equal(['source.rotated']);
    await appendFile(path, '"new-3"\n');
    expect((await readAll(reader)).values).to.deep.equal(['new-3']);
    await reader.close?.();
  });

  it('keeps reading the old file while the path is missing mid-rotation', async () => {
    const path = join(dir(), 'gap.jsonl');
    await writeFile(path, '1\n');
    const { context } = followContext();
    const reader = await jsonLinesSource(path, { follow: true }).open(undefined, context);
    await readAll(reader);
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, '2\n');
    expect((await readAll(reader)).values).to.deep.equal([2]);
    await writeFile(path, '3\n');
    expect((await readAll(reader)).values).to.deep.equal([3]);
    await reader.close?.();
  });

  it('on truncation starts again at 0 and notes it', async () => {
    const path = join(dir(), 'trunc.jsonl');
    await writeFile(path, '1\n2\n3\n');
    const followed = followContext();
    const reader = await jsonLinesSource(path, { follow: true }).open(undefined, followed.context);
    expect((await readAll(reader)).values).to.deep.equal([1, 2, 3]);
    await truncate(path, 0);
    await appendFile(path, '4\n');
    const after = await readAll(reader);
    expect(after.values).to.deep.equal([4]);
    expect(after.position).to.include({ offset: 2, line: 2 });
    expect(followed.notices.map((n) => n.kind)).to.deep.equal(['source.truncated']);
    await reader.close?.();
  });

  it('resumes from a committed position in the same file, exactly', async () => {
    const path = join(dir(), 'resume.jsonl');
    await writeFile(path, '1\n2\n');
    const handler = jsonLinesSource(path, { follow: true });
    const first = await handler.open(undefined, followContext().context);
    const { position } = await readAll(first);
    await first.close?.();
    expect(position.inode).to.be.a('string');
    await appendFile(path, '3\n');
    const second = await handler.open(position, followContext().context);
    expect((await readAll(second)).values).to.deep.equal([3]);
    await second.close?.();
  });

  it('resumes in the rotated file when it is still beside the path, then goes on to the new one', async () => {
    const path = join(dir(), 'moved.jsonl');
    await writeFile(path, '1\n');
    const handler = jsonLinesSource(path, { follow: true });
    const first = await handler.open(undefined, followContext().context);
    const { position } = await readAll(first);
    await first.close?.();
    await appendFile(path, '2\n');
    await rename(path, `${path}.1`);
    await writeFile(path, '3\n');
    const second = await handler.open(position, followContext().context);
    expect((await readAll(second)).values).to.deep.equal([2, 3]);
    await second.close?.();
  });

  it('goes on with the current file from 0, with a notice, when the committed file is gone', async () => {
    const path = join(dir(), 'gone.jsonl');
    await writeFile(path, '1\n');
    const handler = jsonLinesSource(path, { follow: true });
    const first = await handler.open(undefined, followContext().context);
    const { position } = await readAll(first);
    await first.close?.();
    // The new file is made before the old one goes, so it cannot reuse the old inode.
    await writeFile(`${path}.new`, '"fresh"\n');
    await rm(path);
    await rename(`${path}.new`, path);
    const followed = followContext();
    const second = await handler.open(position, followed.context);
    expect((await readAll(second)).values).to.deep.equal(['fresh']);
    expect(followed.notices.map((n) => n.kind)).to.deep.equal(['source.file-gone']);
    await second.close?.();
  });

  it('without follow, still ends at EOF with a position of offset and line only', async () => {
    const path = join(dir(), 'plain.jsonl');
    await writeFile(path, '1\n2');
    const reader = await jsonLinesSource(path).open(undefined, stageContext());
    const batch = await reader.read(10);
    expect(batch.values).to.deep.equal([1, 2]);
    expect(batch.done).to.equal(true);
    expect(batch.position).to.deep.equal({ offset: 3, line: 3 });
    await reader.close?.();
  });
});
