import { constants } from 'node:os';
import { silentLogger, type Logger } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import { PinoLogger } from './pino-logger.ts';

/** Options of {@link installShutdownHandlers}. */
export interface ShutdownOptions {
  /** How long a graceful stop may drain before it is cancelled (source `drain-timeout`). */
  readonly drainTimeoutMs: number;
  /** Where the signals and the outcome are logged; a PinoLogger is flushed before exit. */
  readonly logger?: Logger;
  /**
   * Called once the run has settled after a signal, with 0 (stopped or completed) or 1
   * (failed); and with 128 + the signal number on a third signal. Default: `process.exit`.
   */
  readonly onExit?: (code: number) => void;
  /** The signals handled (default SIGINT and SIGTERM). */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Stops a run gracefully on SIGINT/SIGTERM. The first signal asks for a graceful stop
 * (`handle.stop('graceful', 'SIGTERM')`: sources take no new input, in-flight batches commit,
 * what is journaled drains, the shutdown record is written); if that takes longer than
 * `drainTimeoutMs` the run is cancelled (`'drain-timeout'`). A second signal cancels at once
 * (`'SIGINT (second)'`): stages stop after their in-flight commit, so the data directory stays
 * recoverable. A third exits immediately. After the run settles, if a signal was received,
 * logs are flushed, the handlers are removed and `onExit` is called; signals that arrive in
 * between are ignored. A run that ends without a signal only removes the handlers. Returns a
 * function that removes them earlier.
 */
export function installShutdownHandlers(handle: PipelineHandle, options: ShutdownOptions): () => void {
  const logger = options.logger ?? silentLogger;
  const onExit = options.onExit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let received = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  const ignore = (): void => undefined;

  let settled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (settled) return; // the run has ended; the process is on its way out
    received += 1;
    if (received === 1) {
      logger.warn(
        { signal, drainTimeoutMs: options.drainTimeoutMs },
        `${signal} received: draining what is journaled (at most ${options.drainTimeoutMs} ms); send it again to stop now`,
      );
      handle.stop('graceful', signal).catch(ignore);
      drainTimer = setTimeout(() => {
        logger.warn({ drainTimeoutMs: options.drainTimeoutMs }, 'drain timed out: cancelling the run');
        handle.stop('cancel', 'drain-timeout').catch(ignore);
      }, options.drainTimeoutMs);
    } else if (received === 2) {
      logger.warn({ signal }, `${signal} received again: stopping now; the next run resumes from the last commits`);
      handle.stop('cancel', `${signal} (second)`).catch(ignore);
    } else {
      logger.error({ signal }, `${signal} received a third time: exiting without waiting`);
      void flushLogs(logger).then(() => onExit(128 + (constants.signals[signal] as number | undefined ?? 0)));
    }
  };

  const uninstall = (): void => {
    clearTimeout(drainTimer);
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  handle.done
    .then(
      () => 0,
      () => 1,
    )
    .then(async (code) => {
      clearTimeout(drainTimer);
      settled = true;
      // Without a signal the process goes on: give the signals back. After one, keep ignoring
      // them until onExit, so that a late Ctrl-C does not cut the exit short.
      if (received === 0) uninstall();
      if (received === 0 || received > 2) return;
      await flushLogs(logger);
      uninstall();
      onExit(code);
    })
    .catch(ignore);
  return uninstall;
}

/** Flushes a PinoLogger's destination (at most 1 s); other loggers need nothing. */
export function flushLogs(logger: Logger): Promise<void> {
  if (!(logger instanceof PinoLogger)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    try {
      logger.pino.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
