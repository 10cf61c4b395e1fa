import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { HttpError } from './respond.ts';

const require = createRequire(import.meta.url);

/** Libraries the page loads, served from the package's dependencies (no CDN: works offline). */
const VENDOR: Readonly<Record<string, string>> = {
  'vendor/elk.js': 'elkjs/lib/elk.bundled.js',
  'vendor/uplot.js': 'uplot/dist/uPlot.iife.min.js',
  'vendor/uplot.css': 'uplot/dist/uPlot.min.css',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

let uiDir: string | undefined;

/** The package's `ui/` folder: two levels above src/http, three above dist/src/http (it ships as is). */
function findUiDir(): string {
  if (uiDir !== undefined) return uiDir;
  for (const up of ['../../ui/', '../../../ui/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}index.html`)) return (uiDir = dir);
  }
  throw new Error('the web view\'s ui/ folder is missing from @sluice/adapters');
}

/** `GET /`: the web view's page. */
export async function serveUiPage(res: ServerResponse): Promise<void> {
  await sendFile(res, `${findUiDir()}index.html`);
}

/**
 * `GET /ui/<name>`: one of the page's files (a flat name: no folders, so no path leaves `ui/`)
 * or a vendored library under `vendor/`. 404 for anything else.
 */
export async function serveUiAsset(res: ServerResponse, name: string): Promise<void> {
  const vendored = VENDOR[name];
  if (vendored !== undefined) {
    await sendFile(res, require.resolve(vendored));
    return;
  }
  if (!/^[a-z0-9][a-z0-9-]*\.(js|css|html|svg)$/.test(name)) throw new HttpError(404, `no asset /ui/${name}`);
  const file = `${findUiDir()}${name}`;
  if (!existsSync(file)) throw new HttpError(404, `no asset /ui/${name}`);
  await sendFile(res, file);
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
  });
  res.end(body);
}
