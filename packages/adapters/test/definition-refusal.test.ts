import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SYSTEM_JOURNAL } from '@sluice/runtime';
import { LmdbJournalStore } from '../src/lmdb/lmdb-journal-store.ts';
import { fixture, runSluice, type SluiceResult } from './support/cli-process.ts';

/** What a data directory holds that a refused run must leave alone. */
async function snapshot(path: string): Promise<unknown> {
  const store = LmdbJournalStore.open({ path, lock: false });
  try {
    const journals = await store.journals();
    const lengths = await Promise.all(journals.map(async (j) => [j, await store.lastSeq(j)]));
    return { runs: await store.readMeta('runs'), flow: await store.readMeta('flow'), lengths, activity: await store.lastSeq(SYSTEM_JOURNAL) };
  } finally {
    await store.close();
  }
}

describe('sluice run: a changed flow definition is a refusal (child processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  const sluice = (flowFile: string, extra: readonly string[] = []): Promise<SluiceResult> =>
    runSluice(['run', fixture(flowFile), '--data-dir', dataDir, '--metrics-port', 'off', ...extra], {
      cwd: dir,
      env: { FIXTURE_OUT: join(dir, 'out'), FIXTURE_LIMIT: '50', FIXTURE_TICK_MS: '0' },
    });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-refusal-'));
    dataDir = join(dir, 'data');
    const first = await sluice('checked-flow.ts');
    expect(first.code, first.stderr).to.equal(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says "refused" in one line, before any "running" line, and changes nothing', async () => {
    const before = await snapshot(dataDir);
    const result = await sluice('endless-flow.ts');
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout, 'no "running" line').to.equal('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines, result.stderr).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(`^sluice: refused: data directory ${dataDir} holds flow "checked" with a different definition \\(.+\\)`),
    );
    expect(lines[0]).to.include('--allow-definition-change');
    expect(lines[0]).not.to.include('failed');
    expect(await snapshot(dataDir)).to.deep.equal(before);
  });

  it('is not refused with --allow-definition-change', async () => {
    // The run itself may then fail (its sink "out" resumes at the old sink's position): that is
    // what the flag accepts; only the refusal is checked here.
    const result = await sluice('endless-flow.ts', ['--allow-definition-change']);
    expect(result.stdout).to.match(/^sluice: running flow "endless"/);
    expect(result.stderr).not.to.include('refused');
  });
});
