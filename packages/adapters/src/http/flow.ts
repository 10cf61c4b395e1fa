import type { ServerResponse } from 'node:http';
import type { PipelineHandle } from '@sluice/runtime';
import { sendJson } from './respond.ts';

/**
 * `GET /flow`: `handle.status()` as JSON — topology with each stage's inputs, state, counts,
 * heartbeat, and per edge the cursor, upstream seq, lag and whether it is stalled.
 */
export async function serveFlow(res: ServerResponse, handle: PipelineHandle): Promise<void> {
  sendJson(res, 200, await handle.status());
}
