import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a metric is called, what it means and which labels it carries. */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** Hooks run when a gauge made by {@link gaugeIn} is collected, one per PromMetrics. */
const collectHooks = new WeakMap<Gauge, Set<() => void>>();

/**
 * The metric of that name already in `registry`, so that several flows can share one registry
 * (their series differ by the `flow` label); undefined when there is none.
 * @throws Error when a metric of that name is registered with another type.
 */
function existing<T>(
  registry: Registry,
  name: string,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof type)) {
    throw new Error(`metric "${name}" is already registered in this registry with another type`);
  }
  return found;
}

/** The counter `spec.name` of `registry`, created there if missing. */
export function counterIn(registry: Registry, spec: MetricSpec): Counter {
  return (
    existing(registry, spec.name, Counter) ??
    new Counter({ ...spec, labelNames: [...spec.labelNames], registers: [registry] })
  );
}

/**
 * The gauge `spec.name` of `registry`, created there if missing. `onCollect`, if given, runs
 * each time the registry is scraped, before the gauge is read.
 */
export function gaugeIn(registry: Registry, spec: MetricSpec, onCollect?: () => void): Gauge {
  let gauge = existing(registry, spec.name, Gauge);
  if (gauge === undefined) {
    const hooks = new Set<() => void>();
    gauge = new Gauge({
      ...spec,
      labelNames: [...spec.labelNames],
      registers: [registry],
      collect: () => {
        for (const hook of hooks) hook();
      },
    });
    collectHooks.set(gauge, hooks);
  }
  if (onCollect !== undefined) collectHooks.get(gauge)?.add(onCollect);
  return gauge;
}

/** The histogram `spec.name` of `registry`, created there with `buckets` if missing. */
export function histogramIn(
  registry: Registry,
  spec: MetricSpec & { readonly buckets: readonly number[] },
): Histogram {
  return (
    existing(registry, spec.name, Histogram) ??
    new Histogram({
      ...spec,
      labelNames: [...spec.labelNames],
      buckets: [...spec.buckets],
      registers: [registry],
    })
  );
}
