import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidStateError } from '@sluice/core';
import type { StopMode } from '@sluice/fsm';
import type { PipelineHandle } from '@sluice/runtime';
import { readJsonBody } from './read-body.ts';
import { HttpError, sendJson } from './respond.ts';

/** A control request as `POST /control` takes it. */
export interface ControlRequest {
  readonly action: 'pause' | 'resume' | 'stop';
  /** How to stop (default `graceful`); ignored by pause and resume. */
  readonly mode?: StopMode;
}

const ACTIONS: readonly string[] = ['pause', 'resume', 'stop'] satisfies ControlRequest['action'][];
const MODES: readonly string[] = ['graceful', 'cancel'] satisfies StopMode[];
const FIELDS: readonly string[] = ['action', 'mode'];

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');

/**
 * Validates a parsed body as a {@link ControlRequest}.
 * @throws HttpError 400 naming the field at fault.
 */
export function parseControl(body: unknown): ControlRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'body must be a JSON object like {"action": "pause"}');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined) {
    throw new HttpError(400, `unknown field "${unknown}": expected ${quoted(FIELDS)}`);
  }
  const { action, mode } = fields;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    throw new HttpError(400, `field "action" must be one of ${quoted(ACTIONS)}`);
  }
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.includes(mode))) {
    throw new HttpError(400, `field "mode" must be one of ${quoted(MODES)}`);
  }
  const request = { action: action as ControlRequest['action'] };
  return mode === undefined ? request : { ...request, mode: mode as StopMode };
}

/**
 * `POST /control`: pauses, resumes or stops the flow with source `http` and answers 202 at
 * once (a stop is not awaited: follow it on `/health` or `/events`); 409 when the run is over
 * or the pipeline's state cannot take the action (a resume while running), naming the state.
 */
export async function serveControl(
  req: IncomingMessage,
  res: ServerResponse,
  handle: PipelineHandle,
): Promise<void> {
  const request = parseControl(await readJsonBody(req));
  const snapshot = handle.snapshot();
  if (snapshot.status !== 'active' || snapshot.hasTag('terminal')) {
    throw new HttpError(
      409,
      `the run is over (pipeline ${snapshot.value}): nothing to ${request.action}`,
    );
  }
  switch (request.action) {
    case 'pause':
      refusedAs409(() => handle.pause('http'));
      sendJson(res, 202, { accepted: true, action: request.action });
      return;
    case 'resume':
      refusedAs409(() => handle.resume('http'));
      sendJson(res, 202, { accepted: true, action: request.action });
      return;
    case 'stop': {
      const mode = request.mode ?? 'graceful';
      // The outcome is the run's: whoever awaits the handle sees a failure, not this route.
      handle.stop(mode, 'http').then(
        () => undefined,
        () => undefined,
      );
      sendJson(res, 202, { accepted: true, action: request.action, mode });
      return;
    }
  }
}

/** Runs a control call; the pipeline's refusal (InvalidStateError, naming its state) is a 409. */
function refusedAs409(control: () => void): void {
  try {
    control();
  } catch (error) {
    if (error instanceof InvalidStateError) throw new HttpError(409, error.message);
    throw error;
  }
}
