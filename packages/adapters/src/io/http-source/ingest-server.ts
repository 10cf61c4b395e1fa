import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngestAnswer } from './ingest-queue.ts';
import { parseBody } from './parse-body.ts';
import { parseRequestId, sendJson as send, sendReply, type ReplyRoutes } from './reply-answer.ts';

/** What the request handler of an HTTP source needs. */
export interface IngestRoutes {
  readonly path: string;
  readonly maxBodyBytes: number;
  /** Seconds a refused (503) client is told to wait. */
  readonly retryAfterSeconds: number;
  readonly validate: (value: unknown) => unknown;
  readonly submit: (records: readonly unknown[], key: string | undefined) => Promise<IngestAnswer>;
  /** With `reply`: a POST waits for the sink's results, and `GET <path>/<id>` looks them up. */
  readonly reply?: ReplyRoutes;
}

/** The body is over the limit. */
class BodyTooLarge extends Error {}

/**
 * Answers one request: `POST <path>` ingests (202 once durable, 400, 413, 503; with `reply`,
 * the sink's results: see {@link sendReply}), `GET <path>/<id>` looks a reply up, other methods
 * on the path get 405, other paths 404. Every answer is JSON; errors are `{ error }`.
 */
export async function handleIngest(routes: IngestRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (routes.reply !== undefined && path?.startsWith(`${routes.path}/`) === true) {
    return lookup(routes, routes.reply, path.slice(routes.path.length + 1), req, res);
  }
  if (path !== routes.path) return send(res, 404, { error: `no such path: ${path ?? ''} (POST to ${routes.path})` });
  if (req.method !== 'POST') return send(res, 405, { error: `method ${req.method ?? ''} is not allowed: use POST` }, { allow: 'POST' });
  let body: Buffer;
  try {
    body = await readBody(req, routes.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) return send(res, 413, { error: `the body is over ${routes.maxBodyBytes} bytes` }, { connection: 'close' });
    return send(res, 400, { error: 'the body could not be read' });
  }
  const ndjson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-ndjson');
  const parsed = parseBody(body, ndjson, routes.validate);
  if ('problem' in parsed) return send(res, 400, parsed.problem);
  const key = req.headers['idempotency-key'];
  const answer = await routes.submit(parsed.records, typeof key === 'string' && key !== '' ? key : undefined);
  if (answer.status === 202 && routes.reply !== undefined) {
    return sendReply(res, routes.path, answer.seqs, await routes.reply.wait(...answer.seqs));
  }
  if (answer.status === 202) return send(res, 202, { seqs: answer.seqs });
  return send(res, 503, { error: answer.error }, { 'retry-after': String(routes.retryAfterSeconds) });
}

/** `GET <path>/<id>`: the reply of an earlier request, from the journals. */
async function lookup(routes: IngestRoutes, reply: ReplyRoutes, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET') return send(res, 405, { error: `method ${req.method ?? ''} is not allowed: use GET` }, { allow: 'GET' });
  const seqs = parseRequestId(id);
  if (seqs === undefined) return send(res, 404, { error: `no request ${id} (an id is "<first seq>-<last seq>")` });
  return sendReply(res, routes.path, seqs, await reply.lookup(...seqs));
}

/** The body, refused as soon as it (or its declared length) is over `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        // Read on and drop the rest, so the 413 reaches the client.
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
