import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SimulatedClock, flow, sink, source } from '@sluice/core';
import { intermediateJournal } from '@sluice/runtime';
import { arraySource, command, LmdbJournalStore, type CommandRecord } from '../src/index.ts';
import { CHILD, alive, exists, killQuietly, nullSink, outputByInput, pidsIn, records, runOn, until } from './fixtures/command-support.ts';

describe('command stage: killing the process group', function () {
  this.timeout(30_000);
  let dir: string;
  let store: LmdbJournalStore;
  let leftover: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-command-kill-'));
    store = LmdbJournalStore.open({ path: join(dir, 'data') });
    leftover = [];
  });
  afterEach(async () => {
    killQuietly(leftover);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on timeout sends SIGTERM to the whole group, then SIGKILL after killGraceMs, on the run\'s clock', async () => {
    const clock = new SimulatedClock();
    const pidfile = join(dir, 'pids');
    // The child ignores SIGTERM; its grandchild, in its group, would outlive a kill of the child alone.
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'group', pidfile, 'trap'] }), {
      timeoutMs: 1000,
      killGraceMs: 500,
      failOnNonZero: false,
    });
    const handle = runOn(flow('commands', [sink('out', runs, nullSink<CommandRecord>())]), store, join(dir, 'data'), clock);
    await until(exists(pidfile), 'the child to write its pids');
    const [child, grandchild] = pidsIn(pidfile);
    leftover = [child, grandchild];

    await clock.advance(1000);
    await until(() => !alive(grandchild), 'SIGTERM to reach the grandchild');
    expect(alive(child), 'the child ignores SIGTERM').to.equal(true);
    await clock.advance(500);
    await handle;

    expect(alive(child)).to.equal(false);
    const output = (await outputByInput(store, 'run')).get(1) ?? [];
    expect(output.at(-1)).to.deep.include({ type: 'exit', code: null, signal: 'SIGKILL', timedOut: true, cancelled: false, durationMs: 1500 });
  });

  it('a timed-out process fails its input (failOnNonZero) with a message that says so', async () => {
    const clock = new SimulatedClock();
    const pidfile = join(dir, 'pids');
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'group', pidfile] }), { timeoutMs: 1000 });
    const handle = runOn(flow('commands', [sink('out', runs, nullSink<CommandRecord>())]), store, join(dir, 'data'), clock);
    await until(exists(pidfile), 'the child to write its pids');
    leftover = pidsIn(pidfile);
    await clock.advance(1000);
    await handle;
    const errors = (await records(store, 'run')).filter((r) => r.kind === 'error');
    expect(errors).to.have.length(1);
    expect((errors[0]?.payload as { message: string }).message).to.match(/command "run" on jobs#1: .* timed out after 1000 ms/);
  });

  it('kills what a process leaves running in its group when it exits', async () => {
    const pidfile = join(dir, 'left');
    const runs = command('run', source('jobs', arraySource([1])), () => ({ program: process.execPath, args: [CHILD, 'leave', pidfile] }), { killGraceMs: 100 });
    await runOn(flow('commands', [sink('out', runs, nullSink<CommandRecord>())]), store, join(dir, 'data'));
    const grandchild = Number(readFileSync(pidfile, 'utf8'));
    leftover = [grandchild];
    await until(() => !alive(grandchild), 'the left-over grandchild to be killed');
    expect((await outputByInput(store, 'run')).get(1)?.at(-1)).to.deep.include({ type: 'exit', code: 0, timedOut: false, cancelled: false });
  });

  it('a stop with mode cancel kills the group; the next run runs the cut-off input again', async () => {
    const marker = join(dir, 'marker');
    const pidfile = join(dir, 'pids');
    const build = (): { program: string; args: string[] } => ({ program: process.execPath, args: [CHILD, 'once', marker, pidfile, 'again'] });
    const jobs = (): ReturnType<typeof source<number>> => source('jobs', arraySource([1]));
    const handle = runOn(flow('commands', [sink('out', command('run', jobs(), build), nullSink<CommandRecord>())]), store, join(dir, 'data'));
    await until(exists(pidfile), 'the child to write its pids');
    const [child, grandchild] = pidsIn(pidfile);
    leftover = [child, grandchild];

    await handle.stop('cancel');
    await until(() => !alive(child) && !alive(grandchild), 'the cancel to kill the group');
    expect(await outputByInput(store, 'run')).to.have.property('size', 0);
    const side = (await records(store, intermediateJournal('run'))).map((r) => (r.payload as { value: { phase: string; cancelled?: boolean } }).value);
    expect(side.at(-1)).to.deep.include({ phase: 'outcome', cancelled: true });

    await runOn(flow('commands', [sink('out', command('run', jobs(), build), nullSink<CommandRecord>())]), store, join(dir, 'data'));
    const output = (await outputByInput(store, 'run')).get(1) ?? [];
    expect(output.map((r) => (r.type === 'line' ? r.line : r.type))).to.deep.equal(['done again', 'exit']);
  });
});
