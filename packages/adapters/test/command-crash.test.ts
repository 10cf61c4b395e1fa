import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ErrorPayload } from '@sluice/core';
import { fixture, runSluice, startSluice } from './support/cli-process.ts';
import { activityOf, withStore } from './support/cli-journal.ts';
import { alive, exists, killQuietly, pidsIn, until } from './fixtures/command-support.ts';
import type { CommandRecord } from '../src/index.ts';

const COUNT = 4;

/** What the command stage journaled per input: its exit records and error-lane records. */
async function endings(dataDir: string): Promise<Map<number, { exits: CommandRecord[]; errors: ErrorPayload[] }>> {
  return withStore(dataDir, async (store) => {
    const byInput = new Map<number, { exits: CommandRecord[]; errors: ErrorPayload[] }>();
    for (let n = 1; n <= COUNT; n++) byInput.set(n, { exits: [], errors: [] });
    for (const record of await store.read('run', 0, 100_000)) {
      const entry = record.cause === undefined ? undefined : byInput.get(record.cause.seq);
      if (entry === undefined) continue;
      if (record.kind === 'error') entry.errors.push(record.payload as ErrorPayload);
      if (record.kind === 'data' && (record.payload as CommandRecord).type === 'exit') entry.exits.push(record.payload as CommandRecord);
    }
    return byInput;
  });
}

describe('command stage under SIGKILL: the child process outlives the flow', function () {
  this.timeout(120_000);
  let dir: string;
  let orphans: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-command-crash-'));
    orphans = [];
  });
  afterEach(() => {
    killQuietly(orphans);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the flow until both of its first processes run, SIGKILLs it; the processes' pids (with grandchildren), still alive. */
  async function crash(policy: 'retry' | 'fail'): Promise<{ args: string[]; options: Parameters<typeof runSluice>[1]; pids: number[] }> {
    const dataDir = join(dir, 'data');
    const args = ['run', fixture('command-flow.ts'), '--data-dir', dataDir, '--metrics-port', 'off', '--no-progress'];
    const options = { cwd: dir, env: { FIXTURE_DIR: dir, FIXTURE_COUNT: String(COUNT), FIXTURE_POLICY: policy }, timeoutMs: 60_000 };
    writeFileSync(join(dir, 'hold'), '');
    const flow = startSluice(args, options);
    await until(() => exists(join(dir, 'pids-1'))() && exists(join(dir, 'pids-2'))(), 'both processes to start', 30_000);
    // Their pids are journaled right after the spawn: wait for that, not for the children's own files only.
    await until(() => withStore(dataDir, async (store) => (await store.read('run$effects', 0, 1000)).filter((r) => (r.payload as { value: { started?: unknown } }).value.started !== undefined).length === 2), 'both pids to be journaled');
    flow.child.kill('SIGKILL');
    const killed = await flow.exited;
    expect(killed.signal).to.equal('SIGKILL');
    const pids = [...pidsIn(join(dir, 'pids-1')), ...pidsIn(join(dir, 'pids-2'))];
    orphans = pids;
    for (const pid of pids) expect(alive(pid), `process ${String(pid)} outlives the flow`).to.equal(true);
    unlinkSync(join(dir, 'hold'));
    return { args, options, pids };
  }

  it('on restart, recovery kills the orphaned process groups and runs their inputs again: one exit record per input', async () => {
    const { args, options, pids } = await crash('retry');

    const restarted = await runSluice(args, options);
    expect(restarted.code, restarted.stderr).to.equal(0);
    expect(restarted.stdout).to.match(/flow "commands" completed/);
    for (const pid of pids) expect(alive(pid), `process ${String(pid)} was killed`).to.equal(false);
    expect(restarted.stderr.match(/killed process group/g), 'a warning per orphan').to.have.length(2);

    const byInput = await endings(join(dir, 'data'));
    for (const [n, { exits, errors }] of byInput) {
      expect(errors, `input ${String(n)}`).to.have.length(0);
      expect(exits, `input ${String(n)}: exactly one exit record`).to.have.length(1);
      expect(exits[0]).to.deep.include({ code: 0 });
    }
    const unknown = (await activityOf(join(dir, 'data'))).flatMap((e) => (e.type === 'effect.unknownOutcome' ? [[e.input, e.action]] : []));
    expect(unknown).to.have.deep.members([
      ['jobs#1', 'retry'],
      ['jobs#2', 'retry'],
    ]);
  });

  it('with onUnknownOutcome fail, kills the orphans and sends their inputs to the error lane; the others run', async () => {
    const { args, options, pids } = await crash('fail');

    const restarted = await runSluice(args, options);
    expect(restarted.code, restarted.stderr).to.equal(0);
    for (const pid of pids) expect(alive(pid), `process ${String(pid)} was killed`).to.equal(false);

    const byInput = await endings(join(dir, 'data'));
    for (const n of [1, 2]) {
      const { exits, errors } = byInput.get(n) ?? { exits: [], errors: [] };
      expect(exits, `input ${String(n)}`).to.have.length(0);
      expect(errors, `input ${String(n)}`).to.have.length(1);
      expect(errors[0]?.message).to.match(/outcome is unknown/);
    }
    for (const n of [3, 4]) expect(byInput.get(n)?.exits, `input ${String(n)}`).to.have.length(1);
  });
});
