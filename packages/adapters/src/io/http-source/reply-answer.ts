import type { ServerResponse } from 'node:http';
import type { ReplyOutcome } from './reply-waits.ts';

/** What answers the requests of an HTTP source with `reply`. */
export interface ReplyRoutes {
  /** Waits for the sink's results of source records `first..last`, up to the reply timeout. */
  wait(first: number, last: number): Promise<ReplyOutcome>;
  /** The results of source records `first..last` as the journals hold them now. */
  lookup(first: number, last: number): Promise<ReplyOutcome>;
}

/** A request's id: the seqs of its records, `first-last`, so that it needs no table of its own to survive a restart. */
export function requestId(seqs: readonly [number, number]): string {
  return `${String(seqs[0])}-${String(seqs[1])}`;
}

/** The seqs an id names, or undefined when it is not an id. */
export function parseRequestId(id: string): readonly [number, number] | undefined {
  const match = /^([1-9][0-9]{0,15})-([1-9][0-9]{0,15})$/.exec(id);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const seqs = [Number(match[1]), Number(match[2])] as const;
  return seqs[0] <= seqs[1] ? seqs : undefined;
}

/**
 * Answers a request from its outcome: `200 { id, seqs, results }` once the sink has received
 * all that descends from its records; `422 { id, seqs, error, failures, results }` when some
 * of it went to an error lane on the way; `202 { id, seqs, status: 'pending' }` with a
 * `Location` to `GET` while it is not done; `404 { error }` for seqs this source never appended.
 */
export function sendReply(res: ServerResponse, path: string, seqs: readonly [number, number], outcome: ReplyOutcome): void {
  const id = requestId(seqs);
  switch (outcome.state) {
    case 'done': {
      const { results, failures } = outcome;
      const [failure] = failures;
      if (failure === undefined) return sendJson(res, 200, { id, seqs, results });
      const error = `stage "${failure.stage}" failed the record (${failure.code}): ${failure.message}`;
      return sendJson(res, 422, { id, seqs, error, failures, results });
    }
    case 'pending':
      return sendJson(res, 202, { id, seqs, status: 'pending' }, { location: `${path}/${id}` });
    case 'unknown':
      return sendJson(res, 404, { error: `no request ${id}` });
  }
}

/** Sends `body` as JSON, unless an answer went out already. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
