import type { MemoryPeak } from './rss.ts';

/**
 * The servers the request-API bench loads: `httpSource` answering 202 once the records are
 * durable (Sluice on LMDB, fsync per commit), and a bare node:http server answering the same
 * requests the same way with nothing stored.
 */
export const INGEST_SERVERS = ['sluice-lmdb', 'bare-http'] as const;

/** One server of {@link INGEST_SERVERS}. */
export type IngestServer = (typeof INGEST_SERVERS)[number];

/** The path both servers take POSTs on. */
export const INGEST_PATH = '/ingest';

/** One run of the request-API bench. */
export interface IngestSpec {
  readonly server: IngestServer;
  /** Concurrent keep-alive clients. */
  readonly connections: number;
  /** Seconds of load. */
  readonly seconds: number;
  /** Parent directory of the run's temporary LMDB environment. */
  readonly dir: string;
}

/** What the server's process says: it listens at `url`; later, what it did. */
export type IngestMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'done'; readonly records: number; readonly cpuUs: number; readonly memory: MemoryPeak };

/** What one run measured: the load client's figures and the server's. */
export interface IngestResult {
  readonly spec: IngestSpec;
  /** Answered 2xx per second of load. */
  readonly requestsPerSec: number;
  /** POST to answer (for Sluice: to durable acknowledgement), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ok: number;
  /** Answers other than 2xx, connection errors and timeouts: 0 in a valid run. */
  readonly failed: number;
  /** Records the server stored (Sluice) or took (bare): one per answered request. */
  readonly records: number;
  /** Server process CPU time (user + system) per answered request, µs. */
  readonly cpuUsPerRequest: number;
  readonly memory: MemoryPeak;
}
