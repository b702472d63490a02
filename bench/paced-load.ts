/**
 * An open-loop load at a steady rate: requests leave on a fixed schedule (one every 1/rate s,
 * spread evenly, not in per-second bursts) whether or not earlier ones have been answered, over
 * a keep-alive pool, and every latency is kept at sub-millisecond resolution. This is what a
 * client-visible p99 "at a bounded rate" means; autocannon's `overallRate` instead sends each
 * second's quota back to back at the start of the second and records whole milliseconds.
 *
 * Requests go out through the kit's lean HTTP/1.1 client, not node:http: the generator shares the
 * two cores with what it measures, and node:http's client cost it ~4x the CPU a request. With it,
 * the upstream's own p99 at 500 req/s read 3-4 ms, with the lean client 1.1 ms: the rest was the
 * generator's (2026-12-01, bench/proxy-bench.ts).
 */
import { createLeanClient } from '../proxy/upstream/lean-http-client.ts';

export type PacedRequest = { method: string; path: string; headers: Record<string, string> };

export type PacedOptions = {
  url: string;
  /** requests per second */
  rate: number;
  seconds: number;
  requests: PacedRequest[];
  /** most sockets open at once */
  connections: number;
};

export type LatencySample = { latencies: number[]; errors: number; late: number };

/** Runs the schedule; `latencies` are ms from handing the request to the client to its last byte. */
export function pacedLoad(o: PacedOptions): Promise<LatencySample> {
  const client = createLeanClient(new URL(o.url), { maxConnections: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const latencies: number[] = [];
  let errors = 0;
  let late = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const settle = () => {
      if (++settled < total) return;
      client.close();
      resolve({ latencies, errors, late });
    };
    const send = (n: number) => {
      const { method, path, headers } = o.requests[n % o.requests.length];
      const began = performance.now();
      client.request({ method, path, headers, timeoutMs: 30_000, maxBytes: 1 << 24 }).then(
        (answer) => {
          if (answer.status < 300) latencies.push(performance.now() - began);
          else errors += 1;
          settle();
        },
        () => {
          errors += 1;
          settle();
        },
      );
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        // More than 5 ms behind its slot: the generator itself could not keep up; counted.
        if (now - (start + sent * interval) > 5) late += 1;
        send(sent++);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

export type LatencySummary = {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  late: number;
};

export function summarise(samples: LatencySample[]): LatencySummary {
  const all = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] ?? NaN;
  return {
    count: all.length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: all[all.length - 1] ?? NaN,
    errors: samples.reduce((n, s) => n + s.errors, 0),
    late: samples.reduce((n, s) => n + s.late, 0),
  };
}
