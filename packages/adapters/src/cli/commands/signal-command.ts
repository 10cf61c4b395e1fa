import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/core';
import { sendControl, waitForRunEnd, type SignalRequest } from '../../control/control-client.ts';
import type { ControlRecord } from '../../control/control-file.ts';
import type { ControlAction } from '../../control/control-request.ts';
import { parseCommandArgs, stringFlag } from '../args.ts';
import type { Command } from '../command.ts';
import { openDataDir } from '../data-dir.ts';
import { readStatus } from '../read-status.ts';
import { terminalSafe } from '../safe-text.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `usage: sluice signal <data-dir> pause|resume|stop [--mode graceful|cancel] [--no-wait]

Sends a signal to the run going on in <data-dir>, through the control endpoint that the run
records in the directory's CONTROL file (a unix socket; no port to remember). The signal is in
the run's activity log with its source: "signal (pid N, user U)".

  pause    sources and stages hold at a batch boundary (delays and timers keep their due times)
  resume   they go on
  stop     stops the run: graceful (default) drains what is journaled, cancel stops now; waits
           until the run has ended and says how it ended

Exit status: 0 when the run took the signal, 1 when it refused it (naming the pipeline's state),
when nothing is running there, or when a stopped run did not end cleanly; 2 on bad arguments.

Options:
  --mode graceful|cancel   how to stop (stop only; default graceful)
  --no-wait                return once the run took the stop, without waiting for its end
  -h, --help               this text`;

const ACTIONS: readonly string[] = ['pause', 'resume', 'stop'] satisfies ControlAction[];
const DONE: Readonly<Record<ControlAction, string>> = { pause: 'paused', resume: 'resumed', stop: 'stopping' };

/** `sluice signal <data-dir> pause|resume|stop`. */
export const signalCommand: Command = {
  name: 'signal',
  usage: USAGE,
  async run(argv) {
    const { positionals, flags } = parseCommandArgs(argv, {
      command: 'signal',
      options: { mode: { type: 'string' }, 'no-wait': { type: 'boolean' } },
      positionals: ['<data-dir>', 'pause|resume|stop'],
    });
    if (flags['help'] === true) {
      console.log(USAGE);
      return 0;
    }
    const dir = resolve(positionals[0] ?? '');
    const request = signalRequest(positionals[1] ?? '', stringFlag(flags, 'mode'), flags['no-wait'] === true);
    const outcome = await sendControl(dir, request);
    if (outcome.kind === 'nothing-running') throw new SluiceError(ErrorCode.Config, `nothing is running on ${dir}`);
    const { record, answer } = outcome;
    if (!answer.ok) throw new SluiceError(ErrorCode.Config, terminalSafe(answer.error));
    const who = `flow "${terminalSafe(record.flow)}" (pid ${String(record.pid)})`;
    if (request.signal !== 'stop' || flags['no-wait'] === true) {
      console.log(`${DONE[request.signal]} ${who}`);
      return 0;
    }
    await waitForRunEnd(dir, record);
    const ended = await howItEnded(dir, record);
    console.log(`stopped ${who}: ${ended.text}`);
    return ended.ok ? 0 : 1;
  },
};

/** The request the arguments ask for; throws UsageError for a bad signal or a flag it does not take. */
function signalRequest(signal: string, mode: string | undefined, noWait: boolean): SignalRequest {
  if (!ACTIONS.includes(signal)) throw usage(`unknown signal "${signal}": expected pause, resume or stop`);
  if (mode !== undefined && signal !== 'stop') throw usage('--mode goes with stop only');
  if (noWait && signal !== 'stop') throw usage('--no-wait goes with stop only');
  if (mode !== undefined && mode !== 'graceful' && mode !== 'cancel') throw usage(`--mode must be graceful or cancel, got ${JSON.stringify(mode)}`);
  const request = { signal: signal as ControlAction, source: `signal (pid ${String(process.pid)}, user ${userName()})` };
  return mode === undefined ? request : { ...request, mode };
}

/** From the activity log: how the run `record` names ended (its shutdown record). */
async function howItEnded(dir: string, record: ControlRecord): Promise<{ readonly ok: boolean; readonly text: string }> {
  const opened = await openDataDir(dir);
  try {
    const status = await readStatus(opened);
    const stop = status.lastStop;
    if (status.lastRun?.run !== record.run || stop.kind !== 'shutdown') {
      return { ok: false, text: 'it ended without a shutdown record (the next run recovers)' };
    }
    const reason = stop.reason === undefined ? '' : `: ${terminalSafe(stop.reason)}`;
    return { ok: stop.state !== 'failed', text: `${stop.clean ? 'clean' : 'NOT clean'} shutdown (${stop.state}${reason})` };
  } finally {
    await opened.store.close();
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${String(process.getuid?.() ?? '?')}`;
  }
}

function usage(message: string): UsageError {
  return new UsageError(`signal: ${message}`, 'signal');
}
