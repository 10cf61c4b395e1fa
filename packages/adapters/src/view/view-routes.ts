import type { IncomingMessage } from 'node:http';
import { HttpError, sendJson } from '../http/respond.ts';
import type { Route } from '../http/routes.ts';
import type { RunHistory } from './state-at.ts';

const READ = ['GET', 'HEAD'] as const;
const MAX_POINTS = 500;

function param(req: IncomingMessage, name: string): string | null {
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get(name);
}

/** `?t=<ms>`: a moment as epoch ms; default the end of the run. */
function momentParam(req: IncomingMessage, end: number): number {
  const raw = param(req, 't');
  if (raw === null) return end;
  const t = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(t)) throw new HttpError(400, `t must be a time in epoch ms, not ${JSON.stringify(raw)}`);
  return t;
}

function pointsParam(req: IncomingMessage): number {
  const raw = param(req, 'points');
  if (raw === null) return 120;
  const points = Number(raw);
  if (!Number.isSafeInteger(points) || points < 2 || points > MAX_POINTS) {
    throw new HttpError(400, `points must be a whole number from 2 to ${MAX_POINTS}, not ${JSON.stringify(raw)}`);
  }
  return points;
}

/** Per stage, `points` moments across the run as [at, records/s since the previous point, lag]. */
async function series(history: RunHistory, points: number): Promise<Record<string, [number, number, number][]>> {
  const { start, end } = history.timeline();
  const out: Record<string, [number, number, number][]> = {};
  const previous = new Map<string, { at: number; out: number }>();
  const step = Math.max(1, (end - start) / (points - 1));
  for (let t = start; t <= end + step / 2; t += step) {
    const moment = await history.at(Math.min(t, end));
    for (const stage of moment.stages) {
      const moved = stage.kind === 'source' || stage.out > 0 ? stage.out : stage.in;
      const before = previous.get(stage.name);
      const rate = before === undefined || moment.at <= before.at ? 0 : ((moved - before.out) * 1000) / (moment.at - before.at);
      previous.set(stage.name, { at: moment.at, out: moved });
      (out[stage.name] ??= []).push([moment.at, Math.max(0, rate), stage.lag]);
    }
    if (moment.at >= end) break;
  }
  return out;
}

/**
 * The routes only `sluice view` has: `/view/timeline` (the run's span and marks), `/view/at?t=`
 * (every machine's state and every stage's counts at that moment), `/view/series?points=N`
 * (records/s and lag across the run, for the charts), `/flow` (the last moment) and a
 * `/control` that refuses: the view is read-only.
 */
export function viewRoutes(history: RunHistory): Map<string, Route> {
  return new Map<string, Route>([
    ['/view/timeline', { methods: READ, serve: (_req, res) => sendJson(res, 200, history.timeline()) }],
    ['/view/at', { methods: READ, serve: async (req, res) => sendJson(res, 200, await history.at(momentParam(req, history.timeline().end))) }],
    ['/view/series', { methods: READ, serve: async (req, res) => sendJson(res, 200, { stages: await series(history, pointsParam(req)) }) }],
    ['/flow', { methods: READ, serve: async (_req, res) => sendJson(res, 200, await history.at(history.timeline().end)) }],
    [
      '/control',
      {
        methods: ['POST'],
        serve: () => {
          throw new HttpError(409, 'this is a read-only view of a stopped data directory: there is no run to control');
        },
      },
    ],
  ]);
}
