import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createMemoryJournalStore, flow, sink, source, type ErrorPayload, type JournalRecord } from '@sluice/core';
import { replay, run } from '@sluice/runtime';
import { arraySource, command, LmdbJournalStore, type CommandRecord } from '../src/index.ts';
import { CHILD, nullSink, runOn } from './fixtures/command-support.ts';

const REPLAY_CHILD = new URL('./fixtures/replay-child.mjs', import.meta.url).pathname;

/** The command flow of these tests: input n runs replay-child.mjs (a marker file per process), except n = 2, which exits 3. */
function commandFlow(markers: string) {
  const jobs = source('jobs', arraySource([1, 2, 3]));
  const runs = command(
    'run',
    jobs,
    (n: number) => (n === 2 ? { program: process.execPath, args: [CHILD, 'lines', '1', '3'] } : { program: process.execPath, args: [REPLAY_CHILD, markers, String(n)] }),
    { retry: { maxAttempts: 2, backoffMs: 1 } },
  );
  return flow('commands', [sink('out', runs, nullSink<CommandRecord>())]);
}

const dataOf = (records: readonly JournalRecord[]): unknown[] => records.filter((r) => r.kind === 'data').map((r) => r.payload);
const errorsOf = (records: readonly JournalRecord[]): Partial<ErrorPayload>[] => records.filter((r) => r.kind === 'error').map((r) => r.payload as ErrorPayload);

describe('command stage in a replay: no process runs', function () {
  this.timeout(30_000);
  let dir: string;
  let markers: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-replay-command-'));
    markers = join(dir, 'markers');
    mkdirSync(markers);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with the run option replay: true and nothing recorded, every input fails with REPLAY_UNRECORDED and nothing is spawned', async () => {
    const store = createMemoryJournalStore();
    const summary = await run(commandFlow(markers), { store, replay: true });
    expect(summary.state).to.equal('completed');
    const journal = await store.read('run', 0, 100);
    expect(dataOf(journal)).to.deep.equal([]);
    expect(errorsOf(journal).map((e) => e.code)).to.deep.equal(['REPLAY_UNRECORDED', 'REPLAY_UNRECORDED', 'REPLAY_UNRECORDED']);
    expect(errorsOf(journal)[0]?.message).to.match(/command "run" on jobs#1: its process never ran in the original run/);
    expect(readdirSync(markers)).to.deep.equal([]);
  });

  it('replay() of a run on LMDB serves each input\'s recorded outcome, its failure included: a match, nothing spawned', async () => {
    const data = join(dir, 'data');
    const store = LmdbJournalStore.open({ path: data });
    try {
      expect((await runOn(commandFlow(markers), store, data)).state).to.equal('completed');
      const ran = readdirSync(markers).sort();
      expect(ran).to.have.length(2);
      const original = await store.read('run', 0, 100);
      expect(errorsOf(original)).to.have.length(1);

      const into = createMemoryJournalStore();
      const report = await replay(commandFlow(markers), { original: store, into });
      expect(report.verdict, JSON.stringify(report)).to.equal('match');
      expect(report.differences).to.equal(0);
      expect(report.effectsRecalled).to.equal(3);
      expect(readdirSync(markers).sort()).to.deep.equal(ran);
      const replayed = await into.read('run', 0, 100);
      expect(dataOf(replayed)).to.deep.equal(dataOf(original));
      expect(errorsOf(replayed).map((e) => [e.code, e.message])).to.deep.equal(errorsOf(original).map((e) => [e.code, e.message]));
    } finally {
      await store.close();
    }
  });
});
