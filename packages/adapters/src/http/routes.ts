import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PipelineHandle } from '@sluice/runtime';
import type { PromMetrics } from '../metrics/prom-metrics.ts';
import { serveControl } from './control.ts';
import type { EventStreams } from './events.ts';
import { serveFlow } from './flow.ts';
import { serveHealth } from './health.ts';
import { serveMetrics } from './metrics-route.ts';

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
export function opsRoutes({ handle, metrics, streams }: RouteContext): ReadonlyMap<string, Route> {
  return new Map<string, Route>([
    ['/metrics', { methods: READ, serve: (_req, res) => serveMetrics(res, metrics) }],
    ['/health', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'both') }],
    ['/health/live', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'live') }],
    ['/health/ready', { methods: READ, serve: (_req, res) => serveHealth(res, handle, 'ready') }],
    ['/flow', { methods: READ, serve: (_req, res) => serveFlow(res, handle) }],
    ['/control', { methods: ['POST'], serve: (req, res) => serveControl(req, res, handle) }],
    ['/events', { methods: ['GET'], serve: (req, res) => streams.serve(res, handle, resumeAfter(req)) }],
  ]);
}
