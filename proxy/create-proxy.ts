/**
 * Wires the proxy from its config and the plan: upstreams, stage source, breakers, mirror bounds,
 * noise, metrics, recorder. Returns the request handler and what the admin API needs. Tests call
 * this with their own config and stage source; proxy/main.ts calls it for real.
 */
import type { Knex } from 'knex';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { Plan, RouteCompare } from '../plan/plan-types.ts';
import { compileRules } from './compare/compare-responses.ts';
import { createNoiseModel } from './compare/noise-model.ts';
import { compileRedaction, type Redaction } from './compare/redact.ts';
import type { ProxyConfig } from './config.ts';
import { createDispatcher } from './dispatch.ts';
import { unleashStageSource, type StageSource } from './flags/stage-source.ts';
import { createProxyMetrics } from './metrics/proxy-metrics.ts';
import { createMirrorLimiter } from './mirror/mirror-limiter.ts';
import { createMirrorPool } from './mirror/mirror-pool.ts';
import { createRecentMismatches } from './mirror/recent-mismatches.ts';
import type { ProxyContext, Upstream } from './proxy-context.ts';
import { circuitBreakers } from './resilience/circuit-breaker.ts';
import { buildRouteTable } from './routing/route-table.ts';
import { createComparisonRecorder } from './store/comparison-recorder.ts';
import { openKitDb } from '../lib/kit-db.ts';
import { loadNoise, saveNoise } from './store/noise-store.ts';
import { keepAliveAgent } from './upstream/keep-alive-agent.ts';
import { createStreamProxy } from './upstream/stream-proxy.ts';
import { createWriteHolds } from './writes/write-hold.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { proxyRegistration } from './fleet/proxy-registration.ts';
import { packageVersion } from '../lib/package-paths.ts';

/**
 * A route's redaction: its merged `redact` list, and `unredact` from both the service and the
 * route. The route table merges lists it knows of and lets a route's other rules replace the
 * service's; an opt-back-in must add up like `redact` does, hence the union here.
 */
function redactionOf(plan: Plan, service: string, compare: RouteCompare): Redaction {
  const base = plan.services.find((s) => s.name === service)?.compare?.unredact ?? [];
  return compileRedaction(compare.redact, [...new Set([...base, ...(compare.unredact ?? [])])]);
}

export type CreateProxyOptions = {
  stages?: StageSource;
  log?: Logger;
  kitDb?: Knex | null;
  /** a module to replace the mirror workers' HTTP client with (mirror-messages.ts; the bench) */
  mirrorClientModule?: string;
};

export async function createProxy(
  config: ProxyConfig,
  plan: Plan,
  options: CreateProxyOptions = {},
) {
  const log = options.log ?? createLogger('proxy');
  const routes = buildRouteTable(plan, { caseSensitive: config.caseSensitivePaths });
  const kitDb =
    options.kitDb === undefined
      ? config.kitDbUrl
        ? openKitDb(config.kitDbUrl)
        : null
      : options.kitDb;
  const metrics = createProxyMetrics();
  const breakers = circuitBreakers(config.circuit);
  const requests: ProxyContext['requests'] = new WeakMap();

  const upstream = (name: string, url: string): Upstream => {
    const agent = keepAliveAgent();
    const stream = createStreamProxy(name, url, agent, {
      requestIdOf: (req) => requests.get(req)?.id ?? '',
      bodyLimitOf: (req) => requests.get(req)?.maxBodyBytes,
      tapOf: (req) => requests.get(req)?.tap,
      onUpstreamResult: (ok, req) => {
        const info = requests.get(req);
        const breaker = breakers.for(name);
        if (ok) return breaker.success();
        breaker.failure();
        if (info) metrics.upstreamError(info.route, name, 'stream');
      },
    });
    return { name, url: new URL(url), agent, stream };
  };

  const rules: ProxyContext['rules'] = new Map(
    routes.routes.map((r) => [
      r.id,
      { compare: compileRules(r.compare), redact: redactionOf(plan, r.service, r.compare) },
    ]),
  );
  const ctx: ProxyContext = {
    config,
    log,
    routes,
    rules,
    stages: options.stages ?? unleashStageSource(config.unleash, log.child('flags')),
    holds: createWriteHolds(),
    breakers,
    limiter: createMirrorLimiter(config.mirror),
    mirror: createMirrorPool(
      {
        monolithUrl: config.monolithUrl,
        serviceUrls: config.serviceUrls,
        rules: [...rules],
        timeoutMs: config.mirror.timeoutMs,
        maxBodyBytes: config.mirror.maxBodyBytes,
        clientModule: options.mirrorClientModule,
      },
      log.child('mirror'),
    ),
    noise: createNoiseModel(config.calibrationSamples, kitDb ? await loadNoise(kitDb, log) : {}),
    metrics,
    recorder: kitDb
      ? createComparisonRecorder(
          kitDb,
          { retention: config.retention },
          log.child('recorder'),
          metrics.recordingDropped,
        )
      : undefined,
    mismatches: createRecentMismatches(),
    onNoiseLearned: (route, paths) => {
      log.info('learned comparison noise', { route, paths });
      if (kitDb) void saveNoise(kitDb, route, paths, log);
    },
    monolith: upstream('monolith', config.monolithUrl),
    services: Object.fromEntries(
      Object.entries(config.serviceUrls).map(([name, url]) => [name, upstream(name, url)]),
    ),
    requests,
  };

  return {
    ctx,
    handler: createDispatcher(ctx),
    /**
     * Registers this proxy in the fleet (kit DB) once its admin side listens, and takes the write
     * holds recorded there: call it before the public side serves (proxy/main.ts). Without a kit DB
     * the proxy runs alone, reached only at the configured admin URL.
     */
    async join(adminUrl: string): Promise<void> {
      if (!kitDb) return;
      const registration = proxyRegistration({
        store: proxyFleetStore(kitDb),
        stages: ctx.stages,
        holds: ctx.holds,
        services: plan.services.map((s) => s.name),
        adminUrl,
        version: packageVersion(),
        log: log.child('fleet'),
      });
      try {
        await registration.start();
      } catch (error) {
        // A kit DB from before the fleet (migrations/kit/0302): the proxy runs alone, as before.
        if ((error as { code?: string }).code !== '42P01') throw error;
        log.warn('the kit DB has no proxy registry: run `ficus migrate kit`; running unregistered');
        return;
      }
      ctx.registration = registration;
    },
    async close(): Promise<void> {
      await ctx.registration?.stop();
      await ctx.stages.close();
      await ctx.recorder?.close();
      await ctx.mirror.close();
      for (const u of [ctx.monolith, ...Object.values(ctx.services)]) u.agent.destroy();
      if (kitDb && options.kitDb === undefined) await kitDb.destroy();
    },
  };
}

export type Proxy = Awaited<ReturnType<typeof createProxy>>;
