import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JournalStore } from '@sluice/core';
import type { PipelineHandle } from '@sluice/runtime';
import type { PromMetrics } from '../metrics/prom-metrics.ts';
import { serveControl } from './control.ts';
import type { EventStreams } from './events.ts';
import { serveFlow } from './flow.ts';
import { serveHealth } from './health.ts';
import { serveMetrics } from './metrics-route.ts';
import { countersInterval, streamCounters } from './web-counters.ts';
import { webRoutes } from './web-routes.ts';
import { liveWebSource } from './web-source.ts';

/** One path of the ops server: the methods it takes and what answers them. */
export interface Route {
  readonly methods: readonly string[];
  serve(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

/** What the routes serve from. */
export interface RouteContext {
  readonly handle: PipelineHandle;
  readonly metrics: PromMetrics | undefined;
  readonly streams: EventStreams;
  /** The flow's store, for the web view's record endpoints (without it they answer 404). */
  readonly store?: JournalStore | undefined;
}

const READ = ['GET', 'HEAD'] as const;

/** Where an `/events` client resumes: its `Last-Event-ID` header, or `?after=<seq>`. */
function resumeAfter(req: IncomingMessage): number | undefined {
  const header = req.headers['last-event-id'];
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('after');
  const raw = typeof header === 'string' ? header : query;
  const seq = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

/** The ops server's routes by path. */
export function opsRoutes({ handle, metrics, streams, store }: RouteContext): ReadonlyMap<string, Route> {
  return new Map<string, Route>([
    ['/metrics', { methods: READ, serve: (_req, res) => serveMetrics(res, metrics) }],
    ['/health', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'both') }],
    ['/health/live', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'live') }],
    ['/health/ready', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'ready') }],
    ['/flow', { methods: READ, serve: (_req, res) => serveFlow(res, handle) }],
    ['/control', { methods: ['POST'], serve: (req, res) => serveControl(req, res, handle) }],
    ['/events', { methods: ['GET'], serve: (req, res) => serveEvents(req, res, { handle, streams }) }],
    ...webRoutes(liveWebSource(handle.flow, store)),
  ]);
}

/** `GET /events`, with periodic `counters` frames for the web view when asked with `?counters=<ms>`. */
function serveEvents(req: IncomingMessage, res: ServerResponse, { handle, streams }: Pick<RouteContext, 'handle' | 'streams'>): void {
  streams.serve(res, handle, resumeAfter(req));
  const everyMs = countersInterval(req);
  if (everyMs !== undefined) streamCounters(res, handle, everyMs);
}
