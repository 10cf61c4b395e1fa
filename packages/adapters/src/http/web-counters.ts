import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlowStatus, PipelineHandle } from '@sluice/runtime';

/** The fastest counters a client may ask for: the page is throttled, never one update per record. */
export const MIN_COUNTERS_MS = 250;

/** One stage's figures in a `counters` frame. */
export interface StageCounters {
  readonly name: string;
  readonly state: string;
  readonly in: number;
  readonly out: number;
  readonly errors: number;
  /** Upstream records not consumed yet, over all inputs. */
  readonly lag: number;
  readonly backpressured: boolean;
  /** Per input: the upstream key, cursor and lag. */
  readonly inputs: readonly { readonly upstream: string; readonly cursor: number; readonly lag: number }[];
}

/** The payload of a `counters` frame of `/events?counters=<ms>`. */
export interface CountersFrame {
  /** Wall-clock ms when read. */
  readonly at: number;
  readonly state: string;
  readonly stages: readonly StageCounters[];
}

/** A flow status boiled down to the figures the page draws. */
export function countersOf(status: FlowStatus, at: number): CountersFrame {
  return {
    at,
    state: status.state,
    stages: status.stages.map((s) => ({
      name: s.name,
      state: s.state,
      in: s.in,
      out: s.out,
      errors: s.errors,
      lag: s.inputs.reduce((sum, i) => sum + i.lag, 0),
      backpressured: s.backpressured,
      inputs: s.inputs.map((i) => ({ upstream: i.upstream, cursor: i.cursor, lag: i.lag })),
    })),
  };
}

/** `?counters=<ms>` of an `/events` request: undefined without it, else at least {@link MIN_COUNTERS_MS}. */
export function countersInterval(req: IncomingMessage): number | undefined {
  const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('counters');
  if (raw === null) return undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) ? Math.max(MIN_COUNTERS_MS, ms) : 1000;
}

/**
 * Adds `event: counters` frames (no id: they are not activity records, so a reconnect's
 * `Last-Event-ID` is untouched) to an open `/events` response every `everyMs`, one status read
 * at a time, until the response ends. The first frame goes out at once.
 */
export function streamCounters(res: ServerResponse, handle: PipelineHandle, everyMs: number): void {
  let reading = false;
  const tick = (): void => {
    if (res.writableEnded || res.destroyed) clearInterval(timer);
    if (reading || res.writableEnded || res.destroyed) return;
    reading = true;
    handle
      .status()
      .then((status) => {
        if (!res.writableEnded && !res.destroyed) res.write(`event: counters\ndata: ${JSON.stringify(countersOf(status, Date.now()))}\n\n`);
      })
      .catch(() => undefined)
      .finally(() => (reading = false));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  res.on('close', () => clearInterval(timer));
  tick();
}
