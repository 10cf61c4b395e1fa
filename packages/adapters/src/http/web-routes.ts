import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JournalStore } from '@sluice/core';
import { HttpError, sendJson } from './respond.ts';
import type { Route } from './routes.ts';
import { serveUiAsset, serveUiPage } from './ui-assets.ts';
import { lastEffects, recordAt, scanTail, stageActivity, webRecord } from './web-records.ts';
import type { WebSource, WebStage } from './web-source.ts';

const READ = ['GET', 'HEAD'] as const;
/** The most records one panel request returns. */
const MAX_LAST = 500;

/**
 * The web view's routes: the page at `/`, its assets under `/ui/`, `/web/info` and the JSON
 * endpoints of a stage's panel (`/stages/<name>[/records|errors|effects|activity]?last=N`, records
 * and errors also `&upTo=<seq>`,
 * `/records/<stage>/<seq>`). Keys ending in `/` match every path under them (see {@link findRoute}).
 */
export function webRoutes(source: WebSource): Map<string, Route> {
  return new Map<string, Route>([
    ['/', { methods: READ, serve: (_req, res) => serveUiPage(res) }],
    ['/ui/', { methods: READ, serve: (req, res) => serveUiAsset(res, pathOf(req).slice('/ui/'.length)) }],
    ['/web/info', { methods: READ, serve: (_req, res) => sendJson(res, 200, info(source)) }],
    ['/stages/', { methods: READ, serve: (req, res) => serveStage(req, res, source) }],
    ['/records/', { methods: READ, serve: (req, res) => serveRecord(req, res, source) }],
  ]);
}

/** The route for `path`: an exact key, else the longest key ending in `/` that `path` starts with. */
export function findRoute<T>(routes: ReadonlyMap<string, T>, path: string): T | undefined {
  const exact = routes.get(path);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const key of routes.keys()) {
    if (key.length > 1 && key.endsWith('/') && path.startsWith(key) && key.length > (best?.length ?? 0)) best = key;
  }
  return best === undefined ? undefined : routes.get(best);
}

function info(source: WebSource): object {
  return { mode: source.mode, readOnly: source.mode === 'view', flow: source.flow, stages: source.stages };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function segments(req: IncomingMessage, prefix: string): string[] {
  return pathOf(req)
    .slice(prefix.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new HttpError(400, `bad path segment ${JSON.stringify(s)}`);
      }
    });
}

/** `?last=N`, 1 to {@link MAX_LAST}, default 20. */
function lastParam(req: IncomingMessage): number {
  const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('last');
  if (raw === null) return 20;
  const last = Number(raw);
  if (!Number.isSafeInteger(last) || last < 1 || last > MAX_LAST) {
    throw new HttpError(400, `last must be a whole number from 1 to ${MAX_LAST}, not ${JSON.stringify(raw)}`);
  }
  return last;
}

/** `?upTo=<seq>`: only records at or before that seq (the view's moment); default the journal's end. */
function upToParam(req: IncomingMessage): number | undefined {
  const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('upTo');
  if (raw === null) return undefined;
  const seq = Number(raw);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new HttpError(400, `upTo must be a whole number from 0, not ${JSON.stringify(raw)}`);
  return seq;
}

function stageNamed(source: WebSource, name: string | undefined): WebStage {
  const stage = source.stages.find((s) => s.name === name);
  if (stage === undefined) {
    throw new HttpError(404, `no stage ${JSON.stringify(name ?? '')} in flow ${source.flow}; stages: ${source.stages.map((s) => s.name).join(', ')}`);
  }
  return stage;
}

function storeOf(source: WebSource): JournalStore {
  if (source.store === undefined) throw new HttpError(404, 'this ops server was started without the store: no records to show');
  return source.store;
}

async function serveStage(req: IncomingMessage, res: ServerResponse, source: WebSource): Promise<void> {
  const [name, part, ...rest] = segments(req, '/stages/');
  const stage = stageNamed(source, name);
  if (rest.length > 0) throw new HttpError(404, `no route ${pathOf(req)}`);
  if (part === undefined) {
    sendJson(res, 200, stage);
    return;
  }
  const store = storeOf(source);
  const last = lastParam(req);
  const upTo = upToParam(req);
  switch (part) {
    case 'records': {
      const scan = await scanTail(store, stage.name, last, undefined, upTo);
      sendJson(res, 200, { stage: stage.name, lastSeq: scan.lastSeq, records: scan.records.map(webRecord) });
      return;
    }
    case 'errors': {
      const scan = await scanTail(store, stage.name, last, (r) => r.kind === 'error', upTo);
      const stats = await store.stats(stage.name);
      const body = { stage: stage.name, lastSeq: scan.lastSeq, total: stats.error, scanned: scan.scanned };
      sendJson(res, 200, { ...body, records: scan.records.map(webRecord) });
      return;
    }
    case 'effects':
      sendJson(res, 200, { stage: stage.name, effects: await lastEffects(store, stage.name, last) });
      return;
    case 'activity':
      sendJson(res, 200, { stage: stage.name, activity: await stageActivity(store, stage.name, last) });
      return;
    default:
      throw new HttpError(404, `no route ${pathOf(req)}; a stage has records, errors, effects and activity`);
  }
}

async function serveRecord(req: IncomingMessage, res: ServerResponse, source: WebSource): Promise<void> {
  const [name, rawSeq, ...rest] = segments(req, '/records/');
  const stage = stageNamed(source, name);
  const seq = Number(rawSeq);
  if (rest.length > 0 || rawSeq === undefined) throw new HttpError(404, `no route ${pathOf(req)}; use /records/<stage>/<seq>`);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new HttpError(400, `seq must be a whole number from 1, not ${JSON.stringify(rawSeq)}`);
  const store = storeOf(source);
  const record = await recordAt(store, stage.name, seq);
  if (record === undefined) {
    throw new HttpError(404, `stage ${stage.name} has no record ${seq} (its journal ends at ${await store.lastSeq(stage.name)})`);
  }
  sendJson(res, 200, { stage: stage.name, record: webRecord(record) });
}
