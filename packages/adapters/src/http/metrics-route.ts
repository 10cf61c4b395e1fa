import type { ServerResponse } from 'node:http';
import type { PromMetrics } from '../metrics/prom-metrics.ts';
import { HttpError } from './respond.ts';

/**
 * `GET /metrics`: the registry in the Prometheus text format.
 * @throws HttpError 404 when the server was started without metrics.
 */
export async function serveMetrics(
  res: ServerResponse,
  metrics: PromMetrics | undefined,
): Promise<void> {
  if (metrics === undefined) {
    throw new HttpError(
      404,
      'no metrics here: start the ops server with a PromMetrics (the metrics option)',
    );
  }
  const text = await metrics.registry.metrics();
  res.writeHead(200, {
    'content-type': metrics.registry.contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
