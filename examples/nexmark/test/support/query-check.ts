import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEventsFile, readEventsFile } from '../../src/events-file.ts';
import { DEFAULT_CONFIG } from '../../src/generator/config.ts';
import type { NexmarkEvent } from '../../src/model.ts';
import type { NexmarkQuery } from '../../src/queries/index.ts';
import { runQuery } from '../../src/run-query.ts';

/** Rows as sorted JSON lines: a multiset that compares with deep equality. */
export function multiset(rows: readonly unknown[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

/**
 * Runs `query` as a flow on LMDB in a fresh temp directory over `events` generated events and
 * checks its rows against the query's reference computation (as multisets) and its columns.
 * `rate` (events per second of event time, default the generator's) lets a few events span
 * many windows. Returns the rows, so a test can check more.
 */
export async function checkAgainstReference(query: NexmarkQuery, events: number, options: { readonly rate?: number } = {}): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), `nexmark-${query.name}-`));
  try {
    const file = await ensureEventsFile(dir, events, { ...DEFAULT_CONFIG, ...(options.rate === undefined ? {} : { rate: options.rate }) });
    const result = await runQuery(query, { events: file.path, outDir: dir });
    const text = await readFile(result.out, 'utf8');
    const rows = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = query.reference(await readEventsFile<NexmarkEvent>(file.path));
    expect(result.events).to.equal(events);
    expect(result.rows).to.equal(rows.length);
    expect(rows.length).to.be.greaterThan(0, 'a test over no rows proves nothing');
    expect(multiset(rows)).to.deep.equal(multiset(expected));
    for (const row of rows) expect(Object.keys(row)).to.deep.equal([...query.columns]);
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
