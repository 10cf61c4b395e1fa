import { createServer, type Server } from 'node:http';
import {
  InvalidStateError,
  type SourceBatch,
  type SourceHandler,
  type SourceReader,
} from '@sluice/core';
import { assertBatchSize } from './batch-size.ts';
import { IngestQueue, type HttpSourcePosition } from './http-source/ingest-queue.ts';
import { handleIngest } from './http-source/ingest-server.ts';
import { openReplyWaits, type ReplyWaits } from './http-source/reply-waits.ts';
import { checkReply } from './http-source/reply-check.ts';

export type { HttpSourcePosition } from './http-source/ingest-queue.ts';

/** Options of {@link httpSource}. */
export interface HttpSourceOptions<T> {
  /** Port to listen on. */
  readonly port: number;
  /** Interface to listen on (default `127.0.0.1`: only this machine). */
  readonly host?: string;
  /** The ingest path (default `/ingest`). */
  readonly path?: string;
  /** Largest body accepted, in bytes (default 1 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** A request whose records the flow does not read within this time gets 503 (default 5000). */
  readonly acceptTimeoutMs?: number;
  /** Records waiting to be read at most (default 100,000); more get 503 at once. */
  readonly maxQueuedRecords?: number;
  /** Idempotency-Keys remembered, durably, at most (default 10,000; the oldest are forgotten). */
  readonly maxIdempotencyKeys?: number;
  /** Maps each value of a body to the record to append; a throw refuses the request with 400. */
  readonly validate?: (value: unknown) => T;
  /**
   * Request/response: the name of a sink of the flow. A POST then waits until that sink has
   * consumed everything that descends from its records (by lineage) and is answered with it;
   * `GET <path>/<id>` looks a reply up later, also after a restart.
   */
  readonly reply?: string;
  /** With `reply`: a POST not answered within this time gets 202 with its id (default 30,000). */
  readonly replyTimeoutMs?: number;
  /** With `reply`: requests whose replies are kept in memory for GET (default 10,000; older ones are traced again). */
  readonly maxKeptReplies?: number;
}

/**
 * A source that takes records over HTTP. `POST <path>` of a JSON value, a JSON array (its
 * elements) or NDJSON (`content-type: application/x-ndjson`) is answered `202 { seqs: [first,
 * last] }` only once the records are committed to the source's journal (durable, on LMDB's
 * default durability); a request is all or nothing. A malformed body (or one `validate`
 * refuses) gets 400 with the reason and line, a body over `maxBodyBytes` 413, a request the
 * flow does not read in time (paused, backpressured) or one pending when the source closes
 * 503 with `Retry-After`; other methods 405, other paths 404; every error body is `{ error }`.
 *
 * A request with an `Idempotency-Key` header that was answered 202 before is answered the same
 * again, without appending; a retry while the first is pending waits for its answer. The last
 * `maxIdempotencyKeys` keys are part of the position, committed with each batch, so they
 * survive restarts; an older key is forgotten, and its retry appends again. The key alone
 * identifies the request: a retry with another body gets the first answer.
 *
 * With `reply: 'sinkName'`, a POST is answered once the sink has consumed everything that
 * descends from the request's records, traced through each journal record's `cause`:
 * `200 { id, seqs, results }`, `results` being the payloads the sink received, in order (a
 * flatMap's several outputs, none for a record filtered out); `422 { id, seqs, error,
 * failures, results }` when a record went to an error lane on the way; after `replyTimeoutMs`,
 * `202 { id, seqs, status: 'pending' }` with `Location: <path>/<id>`. `GET <path>/<id>` answers
 * the same from the journals (202 while pending, 404 for an id this source never appended);
 * the id is `<first seq>-<last seq>`, so it holds across restarts. Waits run on the run's
 * clock; they wake on the commits of the stages on the way and poll every 250 ms besides. A
 * `reply` that names no sink of the flow reading from this source fails the stage at open
 * with FlowDefinitionError naming it, before the server listens.
 *
 * The server listens from `open` to `close` (a stop closes it); the source never ends by itself.
 */
export function httpSource<T = unknown>(options: HttpSourceOptions<T>): SourceHandler<T, HttpSourcePosition> {
  return {
    validateInFlow: (stage, flow) => (options.reply === undefined ? [] : checkReply(stage, options.reply, flow)),
    async open(position: HttpSourcePosition | undefined, context): Promise<SourceReader<T, HttpSourcePosition>> {
      const replies =
        options.reply === undefined
          ? undefined
          : await openReplyWaits(context, {
              sink: options.reply,
              timeoutMs: options.replyTimeoutMs ?? 30_000,
              pollMs: 250,
              maxRoots: options.maxKeptReplies ?? 10_000,
            });
      const reader = new HttpReader<T>(options, position, context.wake, replies);
      await reader.listen();
      return reader;
    },
  };
}

class HttpReader<T> implements SourceReader<T, HttpSourcePosition> {
  readonly #options: HttpSourceOptions<T>;
  readonly #queue: IngestQueue;
  readonly #server: Server;
  readonly #replies: ReplyWaits | undefined;
  #position: HttpSourcePosition;
  #closed = false;

  constructor(options: HttpSourceOptions<T>, position: HttpSourcePosition | undefined, wake: (() => void) | undefined, replies: ReplyWaits | undefined) {
    this.#options = options;
    this.#replies = replies;
    this.#position = position ?? { seq: 0, keys: [] };
    const acceptTimeoutMs = options.acceptTimeoutMs ?? 5000;
    this.#queue = new IngestQueue(position, {
      acceptTimeoutMs,
      maxQueuedRecords: options.maxQueuedRecords ?? 100_000,
      maxKeys: options.maxIdempotencyKeys ?? 10_000,
    });
    const routes = {
      path: options.path ?? '/ingest',
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      retryAfterSeconds: Math.max(1, Math.ceil(acceptTimeoutMs / 1000)),
      validate: options.validate ?? ((value: unknown) => value),
      submit: (records: readonly unknown[], key: string | undefined) => {
        const answer = this.#queue.submit(records, key);
        wake?.(); // read now, not at the stage's next poll
        return answer;
      },
      ...(replies === undefined ? {} : { reply: replies }),
    };
    this.#server = createServer((req, res) => {
      handleIngest(routes, req, res).catch(() => {
        res.destroy();
      });
    });
  }

  /** Starts the server; rejects when the port cannot be bound. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  read(max: number): Promise<SourceBatch<T, HttpSourcePosition>> {
    if (this.#closed) return Promise.reject(new InvalidStateError('httpSource: read() in state closed'));
    assertBatchSize(max, 'httpSource');
    const { values, position } = this.#queue.take(max);
    // An empty read is not committed: keep the committed position.
    if (values.length > 0) this.#position = position;
    return Promise.resolve({ values: values as T[], position: this.#position, done: false });
  }

  committed(result: { readonly firstSeq: number; readonly lastSeq: number }): void {
    this.#queue.committed(result);
  }

  /** Answers what is pending with 503 and stops the server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.close();
    // Who waits for a reply gets its id: the results stay in the journals for a GET later.
    this.#replies?.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      // Keep-alive connections would hold the server open: idle ones go now, the rest once answered.
      this.#server.closeIdleConnections();
      setTimeout(() => this.#server.closeAllConnections(), 1000).unref();
    });
  }
}
