/**
 * The peers of bench/proxy-bench.ts, one per child process so that the load generator, the proxy
 * and the upstream never share an event loop: `node bench/proxy-bench-servers.ts <role> [args]`
 * prints `{"port":N}` once listening.
 * - upstream <side> [items]: answers GET /api/products/:id with a product in the demo's shape
 *   (~600 B), with `items` related products in it when given (~250 B each: a larger answer)
 * - hpm <target>: bare express + http-proxy-middleware (keep-alive agent), nothing else
 * - ficus <stage> <monolith> <service>: the ficus proxy with that stage for the bench service; on
 *   SIGUSR2 it prints one line of what its event loop went through since the last one (busy share,
 *   delay p99 and max, garbage collection pauses, CPU per kind of thread) and its comparison and
 *   mirror-skip counters
 */
import fs from 'node:fs';
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
  const [stage, monolith, service] = args;
  if (!isStage(stage)) throw new Error(`unknown stage ${stage}`);
  const plan = testPlan('bench');
  const config = loadProxyConfig(plan, {
    ...process.env,
    FICUS_MONOLITH_URL: monolith,
    [serviceUrlVariable('bench')]: service,
    FICUS_PROXY_CALIBRATION_SAMPLES: '0',
  });
  const proxy = await createProxy(config, plan, {
    log,
    stages: staticStageSource({ bench: { stage, percent: 0 } }),
    kitDb: process.env.BENCH_KIT_DB_URL
      ? (await import('../lib/kit-db.ts')).openKitDb(process.env.BENCH_KIT_DB_URL)
      : null,
  });
  const side = await listen(createProxyApp(proxy.handler), 0, '127.0.0.1', log);
  reportLoopOnSignal(proxy.ctx.metrics.registry);
  announce(side.port);
} else {
  throw new Error(`unknown role "${role}" (upstream | hpm | ficus)`);
}

/**
 * CPU time of this process's threads so far, ms, by kind: the event loop serving clients
 * (`main`), the mirror workers (`mirror`), and the rest (V8's GC helpers, libuv's pool). Linux
 * only (/proc); elsewhere empty.
 */
function threadCpu(): Map<string, number> {
  const byKind = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return byKind;
  }
  for (const task of tasks) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, 100 Hz
      const kind = name === 'MainThread' ? 'main' : name === 'WorkerThread' ? 'mirror' : 'other';
      byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byKind;
}

function reportLoopOnSignal(registry: Registry): void {
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
  let cpuBefore = threadCpu();
  process.on('SIGUSR2', async () => {
    const cpuNow = threadCpu();
    const loop = {
      cpuMs: Object.fromEntries(
        [...cpuNow].map(([thread, ms]) => [thread, ms - (cpuBefore.get(thread) ?? 0)]),
      ),
      busy: performance.eventLoopUtilization(since).utilization,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      comparisons: await counted('ficus_proxy_comparisons_total'),
      skips: await counted('ficus_proxy_mirror_skips_total'),
      gc,
    };
    gc = { pauses: 0, totalMs: 0, maxMs: 0, major: 0 };
    cpuBefore = cpuNow;
    delay.reset();
    since = performance.eventLoopUtilization();
    process.stdout.write(JSON.stringify({ loop }) + '\n');
  });
}
