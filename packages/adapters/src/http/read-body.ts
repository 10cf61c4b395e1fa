import type { IncomingMessage } from 'node:http';
import { HttpError } from './respond.ts';

/** The largest request body the ops server reads (64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON request body of at most `limit` bytes.
 * @throws HttpError 415 unless the content type is JSON (so a browser page cannot post a
 * control request to a local port without a CORS preflight, which the server never grants),
 * 413 when the body is too large, 400 when it is not valid JSON.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, 'content-type must be application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'body is empty: expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `body is not valid JSON: ${reason}`);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `body is larger than ${limit} bytes`, { connection: 'close' });
}
