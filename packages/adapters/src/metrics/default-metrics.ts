import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/**
 * prom-client's default process metrics, collected once per prefix for the whole process.
 * `collectDefaultMetrics` installs a GC PerformanceObserver and an event-loop-delay monitor
 * that it never releases (prometheus/client_js#494, #500), so calling it per PromMetrics
 * would leak one of each per instance; the metric objects are shared instead.
 */
const collected = new Map<string, Registry>();

/**
 * Registers the default process metrics, named with `prefix`, in `registry`. Metrics of the
 * same name already there (say from the caller's own `collectDefaultMetrics`) are kept.
 */
export function registerDefaultMetrics(registry: Registry, prefix: string): void {
  let source = collected.get(prefix);
  if (source === undefined) {
    source = new Registry();
    collectDefaultMetrics({ register: source, prefix });
    collected.set(prefix, source);
  }
  for (const metric of source.getMetricsAsArray()) {
    if (registry.getSingleMetric(metric.name) !== undefined) continue;
    // getMetricsAsArray returns the metric instances themselves; its declared type is narrower.
    registry.registerMetric(metric as unknown as Metric);
  }
}
