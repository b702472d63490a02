/**
 * The peers of bench/proxy-bench.ts, one per child process so that the load generator, the proxy
 * and the upstream never share an event loop: `node bench/proxy-bench-servers.ts <role> [args]`
 * prints `{"port":N}` once listening.
 * - upstream <side> [items]: answers GET /api/products/:id with a product in the demo's shape
 *   (~600 B), with `items` related products in it when given (~250 B each: a larger answer)
 * - hpm <target>: bare express + http-proxy-middleware (keep-alive agent), nothing else
 * - ficus <stage> <monolith> <service> [percent] [lean|undici]: the ficus proxy with that stage
 *   (and canary percent) for the bench service, its mirror workers on that HTTP client; on SIGUSR2
 *   it prints one line of what its event loop went through since the last one (busy share, delay
 *   p99 and max, garbage collection pauses), its comparison and mirror-skip counters (totals so
 *   far) and the mirrored reads in flight. Its CPU is read from the outside (bench/proc-cpu.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { createLogger } from '../lib/logger.ts';
import { loadProxyConfig, serviceUrlVariable } from '../proxy/config.ts';
import { createProxy } from '../proxy/create-proxy.ts';
import { staticStageSource } from '../proxy/flags/stage-source.ts';
import { testPlan } from '../test-support/proxy-e2e-harness.ts';
import { createProxyApp, listen } from '../proxy/server/proxy-app.ts';
import { isStage } from '../plan/stages.ts';
import { modulePath } from '../lib/package-paths.ts';

const [role, ...args] = process.argv.slice(2);
const log = createLogger('bench', () => {});
const announce = (port: number) => process.stdout.write(JSON.stringify({ port }) + '\n');

if (role === 'upstream') {
  const side = args[0] ?? 'monolith';
  const related = Array.from({ length: Number(args[1] ?? 0) }, (_, i) => ({
    id: i + 1000,
    sku: `SKU-${String(i + 1000).padStart(6, '0')}`,
    name: `Related product ${i}`,
    price: 9.99 + i,
    tags: ['demo', 'related', `group-${i % 7}`],
    updatedAt: '2026-02-11T08:00:01.250Z',
  }));
  const server = http.createServer((req, res) => {
    const id = Number(/(\d+)/.exec(req.url ?? '')?.[1] ?? 1);
    const body = JSON.stringify({
      id,
      sku: `SKU-${String(id).padStart(6, '0')}`,
      name: `Product ${id}`,
      description:
        'A product of the demo shop, described in a sentence or two so the body has a realistic size.',
      price: 12.5 + id,
      active: true,
      createdAt: '2026-01-03T10:15:00.000Z',
      updatedAt: '2026-02-11T08:00:01.250Z',
      meta: { servedAt: new Date().toISOString(), side },
      ...(related.length ? { related } : {}),
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
} else if (role === 'hpm') {
  const app = express();
  app.use(
    createProxyMiddleware({
      target: args[0],
      agent: new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
    }),
  );
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
} else if (role === 'ficus') {
  const [stage, monolith, service, percent = '0', httpClient = 'lean'] = args;
  if (!isStage(stage)) throw new Error(`unknown stage ${stage}`);
  if (httpClient !== 'lean' && httpClient !== 'undici')
    throw new Error(`unknown client ${httpClient}`);
  const share = Number(percent);
  const plan = testPlan('bench');
  const config = loadProxyConfig(plan, {
    ...process.env,
    FICUS_MONOLITH_URL: monolith,
    [serviceUrlVariable('bench')]: service,
    FICUS_PROXY_CALIBRATION_SAMPLES: '0',
  });
  const proxy = await createProxy(config, plan, {
    log,
    stages: staticStageSource({ bench: { stage, percent: share } }, (_, key) =>
      inShare(key, share),
    ),
    mirrorClientModule:
      httpClient === 'undici' ? modulePath('bench/undici-mirror-client.ts') : undefined,
    kitDb: process.env.BENCH_KIT_DB_URL
      ? (await import('../lib/kit-db.ts')).openKitDb(process.env.BENCH_KIT_DB_URL)
      : null,
  });
  const side = await listen(createProxyApp(proxy.handler), 0, '127.0.0.1', log);
  reportLoopOnSignal(proxy.ctx.metrics.registry, proxy.ctx.limiter.inFlight);
  announce(side.port);
} else {
  throw new Error(`unknown role "${role}" (upstream | hpm | ficus)`);
}

/** a stand-in for Unleash's stickiness: the same key always falls on the same side */
function inShare(key: string, percent: number): boolean {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % 100 < percent;
}

function reportLoopOnSignal(registry: Registry, inFlight: () => number): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let since = performance.eventLoopUtilization();
  let gc = { pauses: 0, totalMs: 0, maxMs: 0, major: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.pauses += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major += 1;
    }
  }).observe({ entryTypes: ['gc'] });
  const counted = async (name: string) =>
    Object.fromEntries(
      ((await registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => [
        String(v.labels.outcome ?? v.labels.reason),
        v.value,
      ]),
    );
  process.on('SIGUSR2', async () => {
    const loop = {
      busy: performance.eventLoopUtilization(since).utilization,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      comparisons: await counted('ficus_proxy_comparisons_total'),
      skips: await counted('ficus_proxy_mirror_skips_total'),
      inFlight: inFlight(),
      gc,
    };
    gc = { pauses: 0, totalMs: 0, maxMs: 0, major: 0 };
    delay.reset();
    since = performance.eventLoopUtilization();
    process.stdout.write(JSON.stringify({ loop }) + '\n');
  });
}

// an orderly exit, so that a peer run with `--cpu-prof` writes its profile
process.once('SIGTERM', () => process.exit(0));
