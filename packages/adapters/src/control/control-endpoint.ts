import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { errorMessage } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import {
  controlAddress,
  defaultSocketMethod,
  removeControlRecord,
  socketPath,
  writeControlRecord,
  type ControlSocketMethod,
} from './control-file.ts';
import { applyControl, ControlRefusedError, ControlRequestError, parseControlCommand } from './control-request.ts';

/** The one line a control endpoint answers. */
export type ControlAnswer = { readonly ok: true; readonly state: string } | { readonly ok: false; readonly error: string };

/** Options of {@link openControlEndpoint}. */
export interface ControlEndpointOptions {
  /** The data directory, which the run holds locked (it owns `CONTROL` and the socket name). */
  readonly dir: string;
  readonly handle: PipelineHandle;
  readonly method?: ControlSocketMethod;
}

/** A listening control endpoint, recorded in its directory's `CONTROL` file. */
export interface ControlEndpoint {
  /** As recorded: `@name` for an abstract socket, else the socket file. */
  readonly address: string;
  /** Stops listening and removes `CONTROL` (and a socket file). Idempotent. */
  close(): Promise<void>;
}

/** A request line longer than this is refused: nothing valid comes close. */
const MAX_LINE = 4096;
/** A client that sends no full line in this long is dropped. */
const IDLE_MS = 10_000;
const MAX_SOURCE = 200;

/**
 * Opens the control endpoint of a run: a unix socket (see ControlSocketMethod) taking one JSON
 * line `{"signal": "pause"|"resume"|"stop", "mode"?, "source"?, "token"}` per connection and
 * answering one line, `{"ok": true, "state": <pipeline state after>}` or `{"ok": false,
 * "error": …}` naming the field at fault or the state that refused. Then writes `CONTROL`.
 * Call it while holding the directory's lock: it replaces a socket file a dead run left.
 * The server never keeps the process alive. Rejects when the socket cannot listen.
 */
export async function openControlEndpoint(options: ControlEndpointOptions): Promise<ControlEndpoint> {
  const dir = resolve(options.dir);
  const method = options.method ?? defaultSocketMethod();
  const address = controlAddress(dir, method);
  const token = randomBytes(16).toString('hex');
  // Connections that have sent no full line yet: closing drops them rather than wait for them.
  const waiting = new Set<Socket>();
  const server = createServer((socket) => {
    waiting.add(socket);
    socket.on('close', () => waiting.delete(socket));
    serve(socket, options.handle, token, () => waiting.delete(socket));
  });
  server.unref();
  if (method === 'file') rmSync(address, { force: true });
  await listen(server, socketPath(address));
  // A listening server has nothing left to fail on; a late error must not crash the run.
  server.on('error', () => undefined);
  const { handle } = options;
  try {
    writeControlRecord(dir, { address, pid: process.pid, run: handle.runId, flow: handle.flow.name, since: new Date().toISOString(), token });
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    address,
    close: () => {
      closed ??= (async () => {
        removeControlRecord(dir, handle.runId);
        const closing = closeServer(server);
        for (const socket of waiting) socket.destroy();
        await closing;
        if (method === 'file') rmSync(address, { force: true });
      })();
      return closed;
    },
  };
}

/** Reads one line from the connection, answers it (then calls `answered`), and ends the connection. */
function serve(socket: Socket, handle: PipelineHandle, token: string, answered: () => void): void {
  let text = '';
  socket.setEncoding('utf8');
  socket.setTimeout(IDLE_MS, () => socket.destroy());
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    text += chunk;
    const end = text.indexOf('\n');
    if (end < 0 && text.length <= MAX_LINE) return;
    socket.removeAllListeners('data');
    answered();
    const line = end < 0 ? undefined : text.slice(0, end);
    const answer: ControlAnswer = line === undefined ? { ok: false, error: `the request is longer than ${String(MAX_LINE)} bytes` } : answerLine(line, handle, token);
    socket.end(`${JSON.stringify(answer)}\n`);
  });
}

/** The answer to one request line. */
export function answerLine(line: string, handle: PipelineHandle, token: string): ControlAnswer {
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return { ok: false, error: 'the request is not a JSON line' };
  }
  try {
    const command = parseControlCommand(body, { action: 'signal', others: ['source', 'token'] });
    const { source, token: given } = command.fields;
    if (source !== undefined && (typeof source !== 'string' || source.length === 0 || source.length > MAX_SOURCE)) {
      throw new ControlRequestError(`field "source" must be a string of 1 to ${String(MAX_SOURCE)} characters`);
    }
    if (typeof given !== 'string' || !sameToken(given, token)) {
      throw new ControlRequestError('field "token" does not match the CONTROL file of this run');
    }
    return { ok: true, state: applyControl(handle, command, source ?? 'signal') };
  } catch (error) {
    if (error instanceof ControlRequestError || error instanceof ControlRefusedError) return { ok: false, error: error.message };
    return { ok: false, error: errorMessage(error) };
  }
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((listening, failed) => {
    server.once('error', failed);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', failed);
      listening();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}
