import { basename } from 'node:path';
import { ErrorCode, SluiceError, errorMessage, type Logger } from '@sluice/core';
import type { ConfigSource } from '../config/schema.ts';
import { listenOpsServer, type ListeningOpsServer } from './ops-server.ts';

/** Options of {@link listenForRun}. */
export interface RunListenOptions {
  readonly port: number;
  readonly host: string;
  /** Where the port was configured: only a default port that is taken falls back to a free one. */
  readonly source: ConfigSource;
  /** The config file read, to name it when the port came from there. */
  readonly file: string | undefined;
  readonly logger: Logger;
}

/**
 * Binds the ops server of a run. A port from the defaults (the CLI's 9464) that is taken is
 * not the user's choice, so the server listens on a free port instead, with one warning; a
 * port the user asked for (file, environment, flag, code) that is taken is a CONFIG
 * SluiceError of one line naming the port and where to change it.
 */
export async function listenForRun(options: RunListenOptions): Promise<ListeningOpsServer> {
  const { port, host, logger } = options;
  try {
    return await listenOpsServer({ port, host, logger });
  } catch (error) {
    const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const hint = `set ${setting(options)} to another port, 0 for any, or off`;
    if (!taken) throw new SluiceError(ErrorCode.Config, `metrics server: cannot listen on ${host}:${port}: ${errorMessage(error)} (${hint})`, { cause: error });
    if (options.source !== 'default') throw new SluiceError(ErrorCode.Config, `metrics port ${port} on ${host} is in use (${hint})`, { cause: error });
  }
  const server = await listenOpsServer({ port: 0, host, logger });
  logger.warn({ port, host, actualPort: server.port }, `metrics port ${port} on ${host} is in use; serving metrics on port ${server.port} instead`);
  return server;
}

/** Where a user sets the metrics port, for the source it came from. */
function setting({ source, file }: RunListenOptions): string {
  switch (source) {
    case 'env':
      return 'SLUICE_METRICS_PORT';
    case 'file':
      return `"metricsPort" in ${file === undefined ? 'the config file' : basename(file)}`;
    case 'code':
      return 'the metricsPort option';
    case 'flag':
    case 'default':
      return '--metrics-port';
  }
}
