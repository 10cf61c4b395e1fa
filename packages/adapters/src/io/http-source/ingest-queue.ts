import { RecentKeys, type KeyEntry } from './recent-keys.ts';

/** The position of an HTTP source, committed with each batch. */
export interface HttpSourcePosition {
  /** The journal's last seq once the batch committed with this position. */
  readonly seq: number;
  /** The most recent Idempotency-Keys with their seqs, oldest first. */
  readonly keys: readonly KeyEntry[];
}

/** What a request is answered: its records' seqs once durable, or refused for now. */
export type IngestAnswer =
  | { readonly status: 202; readonly seqs: readonly [number, number] }
  | { readonly status: 503; readonly error: string };

/** Limits of an {@link IngestQueue}. */
export interface IngestQueueOptions {
  /** A request whose records are not read by the flow within this time is refused (503). */
  readonly acceptTimeoutMs: number;
  /** Records waiting to be read at most; a request beyond it is refused (503) at once. */
  readonly maxQueuedRecords: number;
  /** Idempotency-Keys remembered at most (the oldest are forgotten). */
  readonly maxKeys: number;
}

interface Request {
  readonly records: readonly unknown[];
  readonly key: string | undefined;
  readonly settle: (answer: IngestAnswer) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Records handed to the runtime so far: once one is, the request is committed in full. */
  taken: number;
  /** Records committed so far. */
  done: number;
  predicted: number;
  first: number;
}

/** The part of one request in one batch. */
interface Part {
  readonly request: Request;
  readonly from: number;
  readonly count: number;
}

interface Ticket {
  readonly parts: readonly Part[];
  readonly first: number;
}

/**
 * The requests of an HTTP source between their arrival and their durable acknowledgement.
 * `take` hands records to the runtime in arrival order (a request may span batches);
 * `committed` answers the requests whose records are all committed, with their seqs, in the
 * order the batches were taken. Seqs are predicted at `take` from the position (the source
 * is its journal's only writer) so that the Idempotency-Keys of a batch are committed with it;
 * the answers use the seqs the commit reports.
 */
export class IngestQueue {
  readonly #options: IngestQueueOptions;
  readonly #keys: RecentKeys;
  readonly #queue: Request[] = [];
  readonly #tickets: Ticket[] = [];
  /** Requests with a key that are not answered yet: a retry meanwhile waits for the same answer. */
  readonly #pending = new Map<string, Promise<IngestAnswer>>();
  #queued = 0;
  #seq: number;
  #closed = false;

  constructor(position: HttpSourcePosition | undefined, options: IngestQueueOptions) {
    this.#options = options;
    this.#seq = position?.seq ?? 0;
    this.#keys = new RecentKeys(options.maxKeys, position?.keys);
  }

  /** Queues a request's records; resolves with its answer. A known key is answered as the first time. */
  submit(records: readonly unknown[], key: string | undefined): Promise<IngestAnswer> {
    if (key !== undefined) {
      const pending = this.#pending.get(key);
      if (pending !== undefined) return pending;
      const known = this.#keys.get(key);
      if (known !== undefined) return Promise.resolve({ status: 202, seqs: known });
    }
    if (this.#closed) return Promise.resolve({ status: 503, error: 'the source is closed' });
    if (this.#queued + records.length > this.#options.maxQueuedRecords) {
      return Promise.resolve({ status: 503, error: 'too many records are waiting to be read' });
    }
    const answer = new Promise<IngestAnswer>((resolve) => {
      const request: Request = { records, key, settle: resolve, timer: undefined, taken: 0, done: 0, predicted: 0, first: 0 };
      request.timer = setTimeout(() => {
        this.#expire(request);
      }, this.#options.acceptTimeoutMs);
      this.#queue.push(request);
      this.#queued += records.length;
    });
    if (key !== undefined) {
      this.#pending.set(key, answer);
      void answer.then(() => this.#pending.delete(key));
    }
    return answer;
  }

  /** Hands up to `max` waiting records to the runtime, with the position to commit them with. */
  take(max: number): { values: unknown[]; position: HttpSourcePosition } {
    const values: unknown[] = [];
    const parts: Part[] = [];
    const first = this.#seq + 1;
    while (values.length < max) {
      const request = this.#queue[0];
      if (request === undefined) break;
      const from = request.taken;
      const count = Math.min(max - values.length, request.records.length - from);
      if (from === 0) {
        clearTimeout(request.timer);
        request.predicted = first + values.length;
      }
      for (let i = from; i < from + count; i++) values.push(request.records[i]);
      request.taken += count;
      parts.push({ request, from, count });
      if (request.taken < request.records.length) continue;
      this.#queue.shift();
      if (request.key !== undefined) this.#keys.set(request.key, request.predicted, first + values.length - 1);
    }
    this.#queued -= values.length;
    this.#seq += values.length;
    if (values.length > 0) this.#tickets.push({ parts, first });
    return { values, position: { seq: this.#seq, keys: this.#keys.entries() } };
  }

  /** The oldest taken batch is committed at these seqs: answers the requests it completes. */
  committed(result: { readonly firstSeq: number; readonly lastSeq: number }): void {
    const ticket = this.#tickets.shift();
    if (ticket === undefined) return;
    // Only if something else wrote to the journal: later positions follow the real seqs.
    this.#seq += result.firstSeq - ticket.first;
    let seq = result.firstSeq;
    for (const { request, from, count } of ticket.parts) {
      if (from === 0) request.first = seq;
      seq += count;
      request.done += count;
      if (request.done < request.records.length) continue;
      const last = seq - 1;
      if (request.key !== undefined) this.#keys.set(request.key, request.first, last);
      request.settle({ status: 202, seqs: [request.first, last] });
    }
  }

  /** Refuses every request not answered yet (503) and any later one. */
  close(): void {
    this.#closed = true;
    const refused: IngestAnswer = { status: 503, error: 'the source closed before the records were committed' };
    for (const request of this.#queue) {
      clearTimeout(request.timer);
      request.settle(refused);
    }
    for (const ticket of this.#tickets) for (const { request } of ticket.parts) request.settle(refused);
    this.#queue.length = 0;
    this.#tickets.length = 0;
    this.#queued = 0;
  }

  /** A request not read in time is withdrawn; one the runtime has begun to read is committed. */
  #expire(request: Request): void {
    if (request.taken > 0) return;
    const at = this.#queue.indexOf(request);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    this.#queued -= request.records.length;
    request.settle({ status: 503, error: `the flow did not read the records within ${this.#options.acceptTimeoutMs} ms (paused or backpressured)` });
  }
}
