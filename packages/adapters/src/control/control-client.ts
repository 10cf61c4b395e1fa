import { connect } from 'node:net';
import { resolve } from 'node:path';
import { ErrorCode, SluiceError, errorMessage } from '@sluice/core';
import type { StopMode } from '@sluice/fsm';
import type { ControlAnswer } from './control-endpoint.ts';
import { readControlRecord, socketPath, type ControlRecord } from './control-file.ts';
import type { ControlAction } from './control-request.ts';
import { processAlive as isAlive } from '../process-alive.ts';

/** A signal as `sluice signal` sends it. */
export interface SignalRequest {
  readonly signal: ControlAction;
  readonly mode?: StopMode;
  /** Who sends it, for the activity log (`signal (pid N, user U)`). */
  readonly source: string;
}

/** What came of a signal: the run's answer, or no run there to take it. */
export type SignalOutcome =
  | { readonly kind: 'answered'; readonly record: ControlRecord; readonly answer: ControlAnswer }
  | { readonly kind: 'nothing-running' };

/** How long to wait for the run's answer. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Sends a signal to the run on data directory `dir` through the endpoint its `CONTROL` file
 * names. Nothing running there (no `CONTROL`, its pid gone, or its socket refusing, as after a
 * SIGKILL) is an outcome, not an error. Throws SluiceError for any other failure to talk to it.
 */
export async function sendControl(dir: string, request: SignalRequest): Promise<SignalOutcome> {
  const record = readControlRecord(resolve(dir));
  if (record === undefined || !isAlive(record.pid)) return { kind: 'nothing-running' };
  const line = JSON.stringify({ ...request, token: record.token });
  try {
    return { kind: 'answered', record, answer: await exchange(record.address, line) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return { kind: 'nothing-running' };
    throw new SluiceError(ErrorCode.Config, `cannot signal the run on ${resolve(dir)} (pid ${String(record.pid)}): ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Resolves once the run `record` names has closed its endpoint (its `CONTROL` is gone or names
 * another run) or its process is gone; polls every `pollMs`.
 */
export async function waitForRunEnd(dir: string, record: ControlRecord, pollMs = 50): Promise<void> {
  const path = resolve(dir);
  while (readControlRecord(path)?.run === record.run && isAlive(record.pid)) {
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

function exchange(address: string, line: string): Promise<ControlAnswer> {
  return new Promise((answered, failed) => {
    const socket = connect({ path: socketPath(address) });
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error(`no answer in ${String(ANSWER_TIMEOUT_MS)} ms`)));
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', failed);
    socket.on('close', () => {
      const answer = parseAnswer(text);
      if (answer === undefined) failed(new Error(`the run gave no answer it could read${text === '' ? '' : `: ${text.slice(0, 200)}`}`));
      else answered(answer);
    });
  });
}

function parseAnswer(text: string): ControlAnswer | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<{ ok: unknown; state: unknown; error: unknown }>;
    if (parsed.ok === true && typeof parsed.state === 'string') return { ok: true, state: parsed.state };
    if (parsed.ok === false && typeof parsed.error === 'string') return { ok: false, error: parsed.error };
  } catch {
    // not an answer
  }
  return undefined;
}
