import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { flow, sink, source, type CommitBatch, type JournalStore } from '@sluice/core';
import { intermediateJournal } from '@sluice/runtime';
import { arraySource, command, LmdbJournalStore, type CommandRecord } from '../src/index.ts';
import { CHILD, nullSink, outputByInput, records, runOn } from './fixtures/command-support.ts';

/** `store`, whose first batch commit of `stage` fails (after the step's intermediates landed), as a disk hiccup would. */
function failingOnce(store: LmdbJournalStore, stage: string): JournalStore {
  let failed = false;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commit') {
        return (batch: CommitBatch) => {
          if (batch.stage !== stage || failed) return target.commit(batch);
          failed = true;
          return Promise.reject(new Error('EIO: the disk hiccupped'));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('command stage: a journaled outcome is never run again', function () {
  this.timeout(30_000);
  let dir: string;
  let store: LmdbJournalStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-command-replay-'));
    store = LmdbJournalStore.open({ path: join(dir, 'data') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-runs the input after its batch commit failed: the journaled lines and exit are emitted, nothing is spawned', async () => {
    const counter = join(dir, 'count');
    const runs = command('run', source('jobs', arraySource([1, 2])), () => ({ program: process.execPath, args: [CHILD, 'count', counter, '3', '1'] }), {
      restart: { maxRestarts: 2, backoffMs: 1 },
    });
    await runOn(flow('commands', [sink('out', runs, nullSink<CommandRecord>())]), failingOnce(store, 'run'), join(dir, 'data'));

    // One process per input, although the stage handled each input twice (before and after its restart).
    expect(readFileSync(counter, 'utf8')).to.equal('x\nx\n');
    const byInput = await outputByInput(store, 'run');
    expect([...byInput.keys()]).to.deep.equal([1, 2]);
    for (const output of byInput.values()) expect(output.map((r) => (r.type === 'line' ? r.line : r.type))).to.deep.equal(['ok', 'exit']);
    const outcomes = (await records(store, intermediateJournal('run'))).filter((r) => (r.payload as { value: { phase: string } }).value.phase === 'outcome');
    expect(outcomes).to.have.length(2);
  });

  it('replays a journaled failure into the error lane without running the program again', async () => {
    const counter = join(dir, 'count');
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'count', counter, '3'] }), {
      restart: { maxRestarts: 2, backoffMs: 1 },
    });
    await runOn(flow('commands', [sink('out', runs, nullSink<CommandRecord>())]), failingOnce(store, 'run'), join(dir, 'data'));

    expect(readFileSync(counter, 'utf8')).to.equal('x\n');
    const errors = (await records(store, 'run')).filter((r) => r.kind === 'error');
    expect(errors).to.have.length(1);
    expect((errors[0]?.payload as { message: string }).message).to.include('exited with code 3').and.include('boom 1');
  });
});
