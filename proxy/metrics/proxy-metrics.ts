/**
 * What the proxy counts, for Prometheus (`/metrics` on the admin port) and for the admin API's
 * per-route view. Label children are cached: a request costs a map lookup, not a label hash.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type RouteCounters = {
  requests: Record<string, number>;
  comparisons: Record<string, number>;
  fallbacks: Record<string, number>;
  mirrorSkips: Record<string, number>;
  errors: Record<string, number>;
};

const bump = (record: Record<string, number>, key: string) =>
  (record[key] = (record[key] ?? 0) + 1);

export function createProxyMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ficus_proxy_' });
  const requests = new Counter({
    name: 'ficus_proxy_requests_total',
    help: 'requests answered, by route, backend and status class',
    labelNames: ['route', 'backend', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ficus_proxy_request_duration_seconds',
    help: 'time to answer the client, by route and backend',
    labelNames: ['route', 'backend'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'ficus_proxy_upstream_errors_total',
    help: 'upstream failures (5xx, unreachable, timeout), by route and backend',
    labelNames: ['route', 'backend', 'reason'],
    registers: [registry],
  });
  const comparisons = new Counter({
    name: 'ficus_proxy_comparisons_total',
    help: 'parallel-run comparisons by outcome',
    labelNames: ['route', 'outcome'],
    registers: [registry],
  });
  const skips = new Counter({
    name: 'ficus_proxy_mirror_skips_total',
    help: 'reads not mirrored, by reason',
    labelNames: ['route', 'reason'],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'ficus_proxy_fallbacks_total',
    help: 'canary reads the service failed, answered by the monolith',
    labelNames: ['route', 'reason'],
    registers: [registry],
  });
  const holds = new Counter({
    name: 'ficus_proxy_held_writes_total',
    help: 'writes held during a cut-over, by outcome',
    labelNames: ['service', 'outcome'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'ficus_proxy_recording_dropped_total',
    help: 'comparisons not stored because the kit DB buffer was full',
    registers: [registry],
  });

  const perRoute = new Map<string, RouteCounters>();
  const countersOf = (route: string) => {
    let c = perRoute.get(route);
    if (!c)
      perRoute.set(
        route,
        (c = { requests: {}, comparisons: {}, fallbacks: {}, mirrorSkips: {}, errors: {} }),
      );
    return c;
  };
  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<string> }>();
  const CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

  return {
    registry,
    request(route: string, backend: string, status: number, seconds: number) {
      const code = CLASSES[Math.floor(status / 100)] ?? 'other';
      const key = `${route}\n${backend}\n${code}`;
      let child = children.get(key);
      if (!child)
        children.set(
          key,
          (child = {
            count: requests.labels(route, backend, code),
            time: duration.labels(route, backend),
          }),
        );
      child.count.inc();
      child.time.observe(seconds);
      bump(countersOf(route).requests, backend);
    },
    upstreamError(route: string, backend: string, reason: string) {
      errors.labels(route, backend, reason).inc();
      bump(countersOf(route).errors, `${backend}:${reason}`);
    },
    comparison(route: string, outcome: string) {
      comparisons.labels(route, outcome).inc();
      bump(countersOf(route).comparisons, outcome);
    },
    mirrorSkip(route: string, reason: string) {
      skips.labels(route, reason).inc();
      bump(countersOf(route).mirrorSkips, reason);
    },
    fallback(route: string, reason: string) {
      fallbacks.labels(route, reason).inc();
      bump(countersOf(route).fallbacks, reason);
    },
    heldWrite: (service: string, outcome: 'released' | 'refused') =>
      holds.labels(service, outcome).inc(),
    recordingDropped: (n: number) => dropped.inc(n),
    countersOf,
  };
}

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
