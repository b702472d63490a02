/**
 * What the request-path modules share, built once by create-proxy.ts: the parts, and per request
 * a small record (request id, route, backend) kept beside the request rather than on it.
 */
import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../lib/logger.ts';
import type { NoiseModel } from './compare/noise-model.ts';
import type { CompiledRules } from './compare/compare-responses.ts';
import type { ProxyConfig } from './config.ts';
import type { StageSource } from './flags/stage-source.ts';
import type { ProxyMetrics } from './metrics/proxy-metrics.ts';
import type { MirrorLimiter } from './mirror/mirror-limiter.ts';
import type { MirrorPool } from './mirror/mirror-pool.ts';
import type { RecentMismatches } from './mirror/recent-mismatches.ts';
import type { circuitBreakers } from './resilience/circuit-breaker.ts';
import type { RouteTable } from './routing/route-table.ts';
import type { ComparisonRecorder } from './store/comparison-recorder.ts';
import type { StreamProxy, Tap } from './upstream/stream-proxy.ts';
import type { WriteHolds } from './writes/write-hold.ts';
import type { Redaction } from './compare/redact.ts';
import type { ProxyRegistration } from './fleet/proxy-registration.ts';

export type RequestInfo = {
  id: string;
  /** route id, or `unmatched` */
  route: string;
  /** `monolith` or the service's name: who answers the client; `proxy` when it refused */
  backend: string;
  started: number;
  tap?: Tap;
  /** the body may be this long at most (migrated routes); the stream proxy counts it */
  maxBodyBytes?: number;
};

export type Upstream = { name: string; url: URL; agent: http.Agent; stream: StreamProxy };

export type ProxyContext = {
  config: ProxyConfig;
  log: Logger;
  routes: RouteTable;
  /** per route id: compiled compare rules and redaction */
  rules: Map<string, { compare: CompiledRules; redact: Redaction }>;
  stages: StageSource;
  holds: WriteHolds;
  breakers: ReturnType<typeof circuitBreakers>;
  limiter: MirrorLimiter;
  /** the workers that do the mirrored HTTP and the comparisons, off this event loop */
  mirror: MirrorPool;
  noise: NoiseModel;
  metrics: ProxyMetrics;
  recorder?: ComparisonRecorder;
  mismatches: RecentMismatches;
  /** called when calibration learned new noise paths (to persist them) */
  onNoiseLearned(route: string, paths: string[]): void;
  monolith: Upstream;
  services: Record<string, Upstream>;
  requests: WeakMap<IncomingMessage, RequestInfo>;
  /** this proxy's registration in the fleet (kit DB), once it joined */
  registration?: ProxyRegistration;
};

export const upstreamOf = (ctx: ProxyContext, backend: string): Upstream =>
  backend === 'monolith' ? ctx.monolith : ctx.services[backend];
