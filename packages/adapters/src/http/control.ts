import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StopMode } from '@sluice/fsm';
import type { PipelineHandle } from '@sluice/runtime';
import { applyControl, ControlRefusedError, ControlRequestError, parseControlCommand } from '../control/control-request.ts';
import { readJsonBody } from './read-body.ts';
import { HttpError, sendJson } from './respond.ts';

/** A control request as `POST /control` takes it. */
export interface ControlRequest {
  readonly action: 'pause' | 'resume' | 'stop';
  /** How to stop (default `graceful`); ignored by pause and resume. */
  readonly mode?: StopMode;
}

/**
 * Validates a parsed body as a {@link ControlRequest} (the parsing `sluice signal`'s socket shares).
 * @throws HttpError 400 naming the field at fault.
 */
export function parseControl(body: unknown): ControlRequest {
  try {
    const { action, mode } = parseControlCommand(body, { action: 'action' });
    return mode === undefined ? { action } : { action, mode };
  } catch (error) {
    if (error instanceof ControlRequestError) throw new HttpError(400, error.message);
    throw error;
  }
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
  try {
    applyControl(handle, request, 'http');
  } catch (error) {
    if (error instanceof ControlRefusedError) throw new HttpError(409, error.message);
    throw error;
  }
  const mode = request.action === 'stop' ? { mode: request.mode ?? 'graceful' } : {};
  sendJson(res, 202, { accepted: true, action: request.action, ...mode });
}
