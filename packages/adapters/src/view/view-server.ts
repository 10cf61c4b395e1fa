import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '@sluice/core';
import { openDataDir } from '../cli/data-dir.ts';
import { dispatch } from '../http/ops-server.ts';
import { webRoutes } from '../http/web-routes.ts';
import { RunHistory } from './state-at.ts';
import { viewRoutes } from './view-routes.ts';

/** Options of {@link startViewServer}. */
export interface ViewServerOptions {
  /** The data directory a run wrote (`sluice run --data-dir`). */
  readonly dir: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** Default `127.0.0.1`: this machine only. */
  readonly host?: string;
  readonly logger?: Logger;
}

/** A listening `sluice view` server. */
export interface ViewServer {
  readonly port: number;
  /** Its base URL; the page is at `/`. */
  readonly url: string;
  /** Stops listening and closes the data directory. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves the web view over a stopped data directory, read-only: the page, the stage panels'
 * endpoints and the moments of the run (`/view/at?t=`), rebuilt from the activity log and the
 * journals, which are read through once before it listens. The directory's lock is not taken
 * and nothing is written, so it also works beside a running flow (showing what was durable
 * when it opened).
 * @throws SluiceError naming the path when it is not a data directory; Error when it cannot listen.
 */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const { store, definition } = await openDataDir(options.dir);
  const logger = options.logger ?? silentLogger;
  try {
    const history = await RunHistory.load(store, definition);
    const source = {
      mode: 'view' as const,
      flow: definition.name,
      store,
      stages: definition.topology.map((node) => ({ name: node.name, kind: node.kind, inputs: node.inputs })),
    };
    const routes = new Map([...viewRoutes(history), ...webRoutes(source)]);
    const server = createServer((req, res) => {
      dispatch(routes, req, res, logger).catch((error: unknown) => {
        logger.error({ err: error }, 'view server could not answer');
        res.destroy();
      });
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    let closing: Promise<void> | undefined;
    return {
      port,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      close: () =>
        (closing ??= new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }).then(() => store.close())),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
