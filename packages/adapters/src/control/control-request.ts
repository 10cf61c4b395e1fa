import { InvalidStateError } from '@sluice/core';
import type { StopMode } from '@sluice/fsm';
import type { PipelineHandle } from '@sluice/runtime';

/** What a control request asks of a running flow, whichever way it came (`/control`, the socket). */
export interface ControlCommand {
  readonly action: ControlAction;
  /** How to stop (default `graceful`); ignored by pause and resume. */
  readonly mode?: StopMode;
}

/** The three things a flow can be told from outside. */
export type ControlAction = 'pause' | 'resume' | 'stop';

/** A request that is not a valid control request: the message names the field at fault. */
export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
}

/** A valid request the run cannot take: it is over, or its state refuses it (the message names the state). */
export class ControlRefusedError extends Error {
  override readonly name = 'ControlRefusedError';
}

/** How a request spells its fields: the action field's name and the fields besides it and `mode`. */
export interface ControlFields {
  /** `action` for `POST /control`, `signal` on the socket. */
  readonly action: string;
  readonly others?: readonly string[];
}

const ACTIONS: readonly string[] = ['pause', 'resume', 'stop'] satisfies ControlAction[];
const MODES: readonly string[] = ['graceful', 'cancel'] satisfies StopMode[];

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');

/**
 * Validates a parsed JSON value as a control request spelled as `fields` says; the other
 * fields are left to the caller, which finds them in the same object.
 * @throws ControlRequestError naming the field at fault (an unknown one, a bad action or mode).
 */
export function parseControlCommand(body: unknown, fields: ControlFields): ControlCommand & { readonly fields: Readonly<Record<string, unknown>> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ControlRequestError(`body must be a JSON object like {"${fields.action}": "pause"}`);
  }
  const known = [fields.action, 'mode', ...(fields.others ?? [])];
  const given = body as Record<string, unknown>;
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ControlRequestError(`unknown field "${unknown}": expected ${quoted(known)}`);
  const action = given[fields.action];
  const { mode } = given;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    throw new ControlRequestError(`field "${fields.action}" must be one of ${quoted(ACTIONS)}`);
  }
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.includes(mode))) {
    throw new ControlRequestError(`field "mode" must be one of ${quoted(MODES)}`);
  }
  const command = { action: action as ControlAction, fields: given };
  return mode === undefined ? command : { ...command, mode: mode as StopMode };
}

/**
 * Applies a control command to the run with `source` (recorded in the activity log with the
 * signal) and returns the pipeline's state right after. A stop is not awaited: the run's
 * outcome belongs to whoever awaits the handle.
 * @throws ControlRefusedError when the run is over, or its state refuses the action (the
 * pipeline's InvalidStateError, naming the state).
 */
export function applyControl(handle: PipelineHandle, command: ControlCommand, source: string): string {
  const snapshot = handle.snapshot();
  if (snapshot.status !== 'active' || snapshot.hasTag('terminal')) {
    throw new ControlRefusedError(`the run is over (pipeline ${snapshot.value}): nothing to ${command.action}`);
  }
  try {
    if (command.action === 'pause') handle.pause(source);
    else if (command.action === 'resume') handle.resume(source);
    else {
      handle.stop(command.mode ?? 'graceful', source).then(
        () => undefined,
        () => undefined,
      );
    }
  } catch (error) {
    if (error instanceof InvalidStateError) throw new ControlRefusedError(error.message);
    throw error;
  }
  return handle.snapshot().value;
}
