import { collectDefaultMetrics, Counter, Registry, type Metric, type MetricObject } from 'prom-client';

/**
 * prom-client's default process metrics, collected once for the whole process.
 * `collectDefaultMetrics` installs a GC PerformanceObserver and an event-loop-delay monitor
 * that it never releases (prometheus/client_js#494, #500), so calling it per PromMetrics
 * would leak one of each per instance; the metric objects are shared instead.
 */
let collected: Registry | undefined;

/**
 * Whether a default metric is exported. prom-client's gauges `nodejs_active_handles_total`,
 * `nodejs_active_requests_total` and `nodejs_active_resources_total` end in `_total`, which
 * Prometheus reserves for counters (`promtool check metrics` flags them); each is the sum of
 * the labelled gauge without the suffix (`sum(nodejs_active_handles)`), so they are left out.
 */
function exported(metric: MetricObject): boolean {
  return metric instanceof Counter || !metric.name.endsWith('_total');
}

/**
 * Registers prom-client's default process metrics in `registry`, named as prom-client names
 * them (`process_cpu_user_seconds_total`, `nodejs_heap_size_total_bytes`, no Sluice prefix:
 * they describe the process, and dashboards expect these names), less the gauges that end in
 * `_total`. Metrics of the same name already there (say from the caller's own
 * `collectDefaultMetrics`) are kept.
 */
export function registerDefaultMetrics(registry: Registry): void {
  if (collected === undefined) {
    collected = new Registry();
    collectDefaultMetrics({ register: collected });
  }
  for (const metric of collected.getMetricsAsArray()) {
    if (!exported(metric) || registry.getSingleMetric(metric.name) !== undefined) continue;
    // getMetricsAsArray returns the metric instances themselves; its declared type is narrower.
    registry.registerMetric(metric as unknown as Metric);
  }
}
