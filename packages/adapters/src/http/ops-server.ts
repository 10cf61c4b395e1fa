import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, silentLogger, type JournalStore, type Logger } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import type { PromMetrics } from '../metrics/prom-metrics.ts';
import { EventStreams, SSE_HEARTBEAT_MS } from './events.ts';
import { HttpError, sendError } from './respond.ts';
import { opsRoutes, type Route } from './routes.ts';
import { findRoute } from './web-routes.ts';

/** Options of {@link listenOpsServer}: where to listen, before the flow is known. */
export interface OpsListenOptions {
  /** The port to listen on (default 0: an ephemeral port, see {@link OpsServer.port}). */
  readonly port?: number;
  /** The interface to listen on (default `127.0.0.1`: this machine only). */
  readonly host?: string;
  /** Where server errors and 500 answers are logged (default: nowhere). */
  readonly logger?: Logger;
  /** Interval of the `/events` comment heartbeat (default 15 s). */
  readonly heartbeatMs?: number;
}

/** What the endpoints serve: the running flow and its metrics. */
export interface OpsServed {
  /** The running flow the endpoints report on and control. */
  readonly handle: PipelineHandle;
  /** The metrics `/metrics` serves; without them `/metrics` answers 404. */
  readonly metrics?: PromMetrics;
  /** The flow's store: the web view's record endpoints read it (without it they answer 404). */
  readonly store?: JournalStore;
}

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions extends OpsListenOptions, OpsServed {}

/** A listening ops server. */
export interface OpsServer {
  /** The port it listens on (the one chosen when `port` was 0). */
  readonly port: number;
  /** Its base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Ends open `/events` streams, drops open connections and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** An ops server that listens but has no flow yet: every request answers 503 until {@link serve}. */
export interface ListeningOpsServer extends OpsServer {
  /** Starts answering for `served`; call once. */
  serve(served: OpsServed): void;
}

/**
 * Starts the operations endpoints of a running flow on node:http: `GET /metrics`,
 * `GET /health` (and `/health/live`, `/health/ready`), `GET /flow`, `POST /control` and
 * `GET /events` (Server-Sent Events of the activity log). Answers are JSON; a refused
 * request gets `{ "error": "…" }` with 400, 404, 405, 409, 413 or 415, and a failing route
 * 500 — a request never crashes the process. Resolves once the server listens.
 * @throws Error when it cannot listen (say, the port is taken: `code` is `EADDRINUSE`).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = await listenOpsServer(options);
  server.serve(options);
  return server;
}

/**
 * Binds the ops server's port before there is a flow to serve, so that a run can learn that
 * its port is taken before it touches its data directory; requests get 503 until `serve`.
 * @throws Error when it cannot listen (say, the port is taken: `code` is `EADDRINUSE`).
 */
export async function listenOpsServer(options: OpsListenOptions = {}): Promise<ListeningOpsServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const streams = new EventStreams(options.heartbeatMs ?? SSE_HEARTBEAT_MS);
  let routes: ReadonlyMap<string, Route> | undefined;
  const server = createServer((req, res) => {
    if (routes === undefined) {
      sendError(res, 503, 'the flow is starting', { 'retry-after': '1' });
      return;
    }
    dispatch(routes, req, res, logger).catch((error: unknown) => {
      logger.error({ err: error }, 'ops server could not answer');
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'ops server error'));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    serve: ({ handle, metrics, store }) => {
      routes = opsRoutes({ handle, metrics, streams, store });
    },
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        streams.closeAll();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      })),
  };
}

/**
 * Answers one request from `routes` (exact paths, and keys ending in `/` for the paths under
 * them): 404 or 405 for no route, an HttpError's status, 500 for anything else.
 */
export async function dispatch(
  routes: ReadonlyMap<string, Route>,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  try {
    const route = findRoute(routes, path);
    if (route === undefined) {
      throw new HttpError(404, `no route ${path}; routes: ${[...routes.keys()].join(', ')}`);
    }
    if (!route.methods.includes(method)) {
      const allowed = route.methods.join(', ');
      throw new HttpError(405, `${path} takes ${allowed}, not ${method}`, { allow: allowed });
    }
    await route.serve(req, res);
  } catch (error) {
    if (res.headersSent) {
      logger.error({ err: error, path }, `ops server failed mid-answer on ${method} ${path}`);
      res.destroy();
    } else if (error instanceof HttpError) {
      sendError(res, error.status, error.message, error.headers);
    } else {
      logger.error({ err: error, path }, `ops server failed on ${method} ${path}`);
      sendError(res, 500, errorMessage(error));
    }
  }
}
