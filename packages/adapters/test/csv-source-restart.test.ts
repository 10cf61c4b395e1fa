import { afterEach, describe, it } from 'mocha';
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flow, sink, source, type SinkHandler, type SourceError } from '@sluice/core';
import { createTestKit, type TestKit } from '../src/testing/index.ts';
import { csvSource, type CsvPosition } from '../src/io/csv-source.ts';
import { stageContext, useTempDir } from './support/io-helpers.ts';

const COLUMNS = { id: 'integer', name: 'string', price: 'number' } as const;
type Row = { id: number; name: string; price: number };

/** Everything read until done, with the position after each batch and the counts up to it. */
async function drain(path: string, max: number, at?: CsvPosition) {
  const reader = await csvSource(path, { columns: COLUMNS }).open(at, stageContext());
  const values: Row[] = [];
  const errors: SourceError[] = [];
  const positions: { position: CsvPosition; values: number; errors: number }[] = [];
  for (;;) {
    const batch = await reader.read(max);
    values.push(...batch.values);
    errors.push(...(batch.errors ?? []));
    positions.push({ position: batch.position, values: values.length, errors: errors.length });
    if (batch.done) {
      await reader.close?.();
      return { values, errors, positions, last: batch.position };
    }
  }
}

/** A sink that keeps nothing (its position counts rows): the tests read the source's journal. */
function discard(): SinkHandler<Row, number> {
  return {
    open: (at) => {
      let count = at ?? 0;
      return { write: (rows) => (count += rows.length) };
    },
  };
}

describe('csvSource restarts', () => {
  const dir = useTempDir();
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    kit = undefined;
  });

  it('resumes from every committed position with no duplicate and no loss', async () => {
    const path = join(dir(), 'resume.csv');
    const content =
      'id,name,price\r\n1,"a\r\nb",1.5\r\n\r\n2,b,x\n3,"c,""d""",3\n4,e\n"5,"e\nf",5\n6,g,6\n';
    await writeFile(path, content);
    const full = await drain(path, 1000);
    expect(full.values.map((v) => v.id)).to.deep.equal([1, 3, 6]);
    expect(full.errors.map((e) => e.location)).to.deep.equal([5, 7, 8, 9].map((n) => `${path}:${n}`));
    for (const max of [1, 2, 3]) {
      const stepwise = await drain(path, max);
      expect(stepwise.values, `max ${max}`).to.deep.equal(full.values);
      expect(stepwise.errors, `max ${max}`).to.deep.equal(full.errors);
      for (const { position, values, errors } of stepwise.positions) {
        const at = `max ${max} from ${JSON.stringify(position)}`;
        const resumed = await drain(path, max, position);
        // read before the commit + read after the restart = everything, exactly once
        expect([...full.values.slice(0, values), ...resumed.values], at).to.deep.equal(full.values);
        expect([...full.errors.slice(0, errors), ...resumed.errors], at).to.deep.equal(full.errors);
        expect(resumed.last, at).to.deep.equal(full.last);
      }
    }
  });

  it('crashed mid-file on LMDB, resumes exactly: every row and every bad row journaled once', async () => {
    const path = join(dir(), 'crash.csv');
    const rows = Array.from({ length: 20 }, (_, i) =>
      i % 7 === 3 ? `${i},bad,"not a price"` : `${i},"row ${i}\nwith a break",${i}.5`,
    );
    await writeFile(path, `id,name,price\n${rows.join('\r\n')}\r\n`);
    const rowsFlow = flow('csv', [sink('out', source('rows', csvSource(path, { columns: COLUMNS })), discard())]);
    kit = createTestKit(rowsFlow, { store: 'lmdb', batchSize: 3 });
    kit.crashAfter('rows', 3); // killed the moment the third batch is committed
    await kit.until(() => kit?.crashed ?? false);
    expect((await kit.journal<Row>('rows')).length).to.be.below(17);
    await kit.restart();
    expect((await kit.done).state).to.equal('completed');
    const good = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 7 !== 3);
    expect((await kit.journal<Row>('rows')).map((r) => r.id)).to.deep.equal(good);
    const errors = await kit.errors('rows');
    expect(errors.map((e) => e.message)).to.deep.equal(
      [3, 10, 17].map((i) => `${path}:${lineOf(rows, i)}: column "price": "not a price" is not a number`),
    );
  });

  it('reads a file of 100,000 rows into the journal on LMDB', async () => {
    const path = join(dir(), 'big.csv');
    const rows = Array.from({ length: 100_000 }, (_, i) => `${i},"name ${i}",${i / 4}`);
    await writeFile(path, `id,name,price\n${rows.join('\n')}\n`);
    const bigFlow = flow('big', [sink('out', source('rows', csvSource(path, { columns: COLUMNS })), discard())]);
    kit = createTestKit(bigFlow, { store: 'lmdb' });
    expect((await kit.done).state).to.equal('completed');
    const journal = await kit.journal<Row>('rows');
    expect(journal).to.have.length(100_000);
    expect(journal[99_999]).to.deep.equal({ id: 99_999, name: 'name 99999', price: 99_999 / 4 });
    expect(journal.every((row, i) => row.id === i)).to.equal(true);
  });
});

/** The line a row starts on: the header is line 1, and each good row spans two lines. */
function lineOf(rows: readonly string[], index: number): number {
  let line = 2;
  for (const row of rows.slice(0, index)) line += row.split('\n').length;
  return line;
}
