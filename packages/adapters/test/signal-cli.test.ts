import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ActivityEntry } from '@sluice/runtime';
import { activityOf } from './support/cli-journal.ts';
import { fixture, runSluice, startSluice, waitUntil, type SluiceProcess, type SluiceResult } from './support/cli-process.ts';

type Signal = Extract<ActivityEntry, { type: 'signal' }>;

describe('sluice signal (child processes on real LMDB)', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-signal-cli-'));
    dataDir = join(dir, 'data');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const start = (extra: Record<string, string> = {}): SluiceProcess =>
    startSluice(['run', fixture('endless-flow.ts'), '--data-dir', 'data', '--metrics-port', 'off'], {
      cwd: dir,
      env: { FIXTURE_OUT: join(dir, 'out'), ...extra },
    });
  const signal = (...args: string[]): Promise<SluiceResult> => runSluice(['signal', ...args], { cwd: dir });
  const controlFile = (): string => join(dataDir, 'CONTROL');
  /** The run answers signals once its CONTROL file names it. */
  const listening = (run: SluiceProcess): Promise<void> =>
    waitUntil(
      () => existsSync(controlFile()) && (JSON.parse(readFileSync(controlFile(), 'utf8')) as { pid: number }).pid === run.child.pid,
      30_000,
      'the CONTROL file of the run',
    );
  const signals = async (): Promise<Signal[]> => (await activityOf(dataDir)).filter((e): e is Signal => e.type === 'signal');
  const states = async (): Promise<string[]> =>
    (await activityOf(dataDir)).flatMap((e) => (e.type === 'pipeline.state' ? [e.to] : []));
  // The activity log is group-committed: a record lands a moment after the answer.
  const signalsReach = (n: number): Promise<void> => waitUntil(async () => (await signals()).length >= n, 10_000, `${n} signal records`);
  const stateIs = (state: string): Promise<void> => waitUntil(async () => (await states()).at(-1) === state, 10_000, `pipeline ${state}`);

  it('pauses and resumes a running flow, refuses a wrong-state signal naming the state, and stops it gracefully', async () => {
    const run = start();
    await listening(run);
    const pid = String(run.child.pid);

    const paused = await signal('data', 'pause');
    expect(paused, paused.stderr).to.include({ code: 0, stdout: `paused flow "endless" (pid ${pid})\n`, stderr: '' });
    await signalsReach(1);
    const [pause] = await signals();
    expect(pause).to.include({ signal: 'pause' });
    expect(pause?.source).to.match(/^signal \(pid \d+, user (.+)\)$/);
    expect(pause?.source).to.include(`user ${userInfo().username})`);
    await stateIs('paused');

    const resumed = await signal('data', 'resume');
    expect(resumed, resumed.stderr).to.include({ code: 0, stdout: `resumed flow "endless" (pid ${pid})\n` });
    await stateIs('running');

    const refused = await signal('data', 'resume');
    expect(refused).to.include({ code: 1, stdout: '', stderr: 'sluice: cannot resume flow "endless": the pipeline is running\n' });
    await signalsReach(3);
    expect((await signals()).at(-1)).to.include({ signal: 'resume', refusedIn: 'running' });

    const stopped = await signal('data', 'stop', '--mode', 'graceful');
    expect(stopped, stopped.stderr).to.include({ code: 0, stderr: '' });
    expect(stopped.stdout).to.equal(`stopped flow "endless" (pid ${pid}): clean shutdown (stopped)\n`);
    const ended = await run.exited;
    expect(ended.code, ended.stderr).to.equal(0);
    expect((await signals()).at(-1)).to.include({ signal: 'stop', mode: 'graceful' });
    const last = (await activityOf(dataDir)).at(-1);
    expect(last).to.include({ type: 'shutdown', clean: true, state: 'stopped' });
    expect(existsSync(controlFile()), 'CONTROL removed at the end').to.equal(false);
  });

  it('stop --no-wait returns at once and the run still ends', async () => {
    const run = start({ FIXTURE_SINK_DELAY_MS: '20' });
    await listening(run);
    const stopping = await signal('data', 'stop', '--no-wait');
    expect(stopping, stopping.stderr).to.include({ code: 0, stdout: `stopping flow "endless" (pid ${String(run.child.pid)})\n` });
    expect((await run.exited).code).to.equal(0);
  });

  it('says clearly that nothing is running: never ran, after the run ended, after a SIGKILL left CONTROL', async () => {
    const nothing = (result: SluiceResult, path: string): void => {
      expect(result).to.include({ code: 1, stdout: '', stderr: `sluice: nothing is running on ${path}\n` });
    };
    nothing(await signal('data', 'pause'), dataDir);
    nothing(await signal('.', 'pause'), dir);

    const completes = start({ FIXTURE_LIMIT: '50', FIXTURE_TICK_MS: '0' });
    expect((await completes.exited).code).to.equal(0);
    nothing(await signal('data', 'stop'), dataDir);

    const killed = start();
    await listening(killed);
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).to.equal('SIGKILL');
    expect(existsSync(controlFile()), 'a SIGKILL leaves the CONTROL file').to.equal(true);
    nothing(await signal('data', 'resume'), dataDir);
  });

  it('--help, and bad arguments exit 2 naming them', async () => {
    const help = await signal('--help');
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: sluice signal <data-dir> pause\|resume\|stop/);
    const cases: [string[], RegExp][] = [
      [[], /^sluice: signal: missing <data-dir> \(see sluice signal --help\)\n$/],
      [['data'], /^sluice: signal: missing pause\|resume\|stop/],
      [['data', 'pasue'], /^sluice: signal: unknown signal "pasue": expected pause, resume or stop/],
      [['data', 'stop', '--mode', 'hard'], /^sluice: signal: --mode must be graceful or cancel, got "hard"/],
      [['data', 'pause', '--mode', 'cancel'], /^sluice: signal: --mode goes with stop only/],
      [['data', 'resume', '--no-wait'], /^sluice: signal: --no-wait goes with stop only/],
      [['data', 'stop', '--force'], /^sluice: signal: unknown option --force/],
    ];
    for (const [args, stderr] of cases) {
      const result = await signal(...args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(stderr);
    }
  });
});
