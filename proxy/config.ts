/**
 * Every setting of the proxy, read once and validated up front: a bad value stops the proxy at
 * start with a `proxy_config_invalid` error naming the key or variable, never later on a request.
 * Addresses, upstreams and tokens come from the configuration (lib/config); the proxy's tuning
 * (limits, timeouts, mirroring) from FICUS_PROXY_* variables, listed in docs/configuration.md.
 */
import path from 'node:path';
import { loadConfig, serviceUrlVariable, type FicusConfig } from '../lib/config/index.ts';
import { createLogger } from '../lib/logger.ts';
import type { Plan } from '../plan/plan-types.ts';
import { ProxyConfigError } from './proxy-errors.ts';
import { parseIdentitySource, type IdentitySource } from './routing/request-identity.ts';

export type MirrorLimits = {
  /**
   * mirrored requests in flight at most; more are skipped (reason `concurrency`). Each holds the
   * monolith's answer until the service has answered. e.g. 128
   */
  concurrency: number;
  /** answers larger than this are not compared (reason `body_too_large`). e.g. 1048576 */
  maxBodyBytes: number;
  /** share of eligible reads that are mirrored, 0..1 (reason `sampled_out`). e.g. 0.25 */
  sampleRatio: number;
  /** how long the other side may take before the comparison records a timeout. e.g. 2000 */
  timeoutMs: number;
  /**
   * A mismatch is asked again once after this many ms (both sides), and only recorded as a
   * mismatch if it persists: a read mirrored right after a write can see the service's copy a
   * moment before the sync has applied it, which is lag, not a defect. 0 turns it off. e.g. 1500
   */
  recheckAfterMs: number;
};

export type ProxyConfig = {
  host: string;
  port: number;
  adminPort: number;
  /** bearer token of the admin API; `Authorization: Bearer <token>` */
  adminToken: string;
  monolithUrl: string;
  /** service name -> base URL, for every service in the plan */
  serviceUrls: Record<string, string>;
  unleash: { url: string; token: string; refreshMs: number; backupDir: string; appName: string };
  /** adds `x-ficus-backend: monolith | <service>` to every answer */
  backendHeader: boolean;
  /** where a user's id comes from, e.g. `header:x-user-id`, `cookie:uid`, `jwt:sub` */
  identity: IdentitySource;
  /** cookie holding a session id, used for stickiness when no user id is known */
  sessionCookie: string;
  mirror: MirrorLimits;
  /** how long a canary service may take before the read falls back to the monolith */
  serviceTimeoutMs: number;
  /**
   * request bodies on migrated routes larger than this are refused with 413: a declared
   * Content-Length at once, a chunked body as soon as its bytes pass it
   */
  maxRequestBytes: number;
  /**
   * whether the monolith's router tells `/API/x` from `/api/x`; the route table matches as it
   * does. false for Express and Koa (the default), true for e.g. Fastify or Spring
   */
  caseSensitivePaths: boolean;
  circuit: { failureThreshold: number; cooldownMs: number };
  /** per route, how many mirrored reads also compare the monolith with itself to learn noise */
  calibrationSamples: number;
  /** kit database (comparisons, noise); `''` turns recording off */
  kitDbUrl: string;
  /** newest comparisons kept in the kit DB */
  retention: number;
};

type Env = NodeJS.ProcessEnv;

function int(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProxyConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function ratio(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ProxyConfigError(name, `must be a number between 0 and 1, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ProxyConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string, protocols = ['http:', 'https:']): string {
  const raw = env[name] || fallback;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = '';
  }
  if (!protocols.includes(protocol))
    throw new ProxyConfigError(
      name,
      protocols.includes('https:')
        ? `must be an http(s) URL, got "${raw}"`
        : `must be an http:// URL (upstreams are reached over plain HTTP), got "${raw}"`,
    );
  return raw.replace(/\/+$/, '');
}

/**
 * The monolith and the services are reached over plain HTTP (by the proxy and by the mirror's
 * lean client alike): TLS ends in front of ficus, and the upstreams sit next to it.
 */
const upstreamUrl = (env: Env, name: string, fallback: string) =>
  url(env, name, fallback, ['http:']);

export { serviceUrlVariable };

/** Tokens every copy of ficus's docs and demos has shown: fine on loopback, never in production. */
const WELL_KNOWN_ADMIN_TOKENS = new Set(['ficus-proxy-admin-token', 'changeme', 'secret', 'admin']);

/** A setting the proxy cannot run without: an error naming the configuration key (and variable). */
function needed<T>(config: FicusConfig, key: string, variable: string, value: T | undefined): T {
  if (value === undefined || value === '')
    throw new ProxyConfigError(key, `is not set in ${config.file} (nor by ${variable})`);
  return value;
}

function adminTokenOf(config: FicusConfig): string {
  const token = needed(
    config,
    'proxy.adminToken',
    'FICUS_PROXY_ADMIN_TOKEN',
    config.proxy.adminToken,
  );
  if (token.length < 8)
    throw new ProxyConfigError('proxy.adminToken', 'must be at least 8 characters');
  if (WELL_KNOWN_ADMIN_TOKENS.has(token))
    createLogger('proxy').warn(
      'the admin token is a well-known one: anyone who can reach the admin API can hold writes and read stages; set proxy.adminToken to a secret of your own',
    );
  return token;
}

export function loadProxyConfig(
  plan: Plan,
  env: Env = process.env,
  config: FicusConfig = loadConfig({ env }),
): ProxyConfig {
  const serviceUrls = Object.fromEntries(
    plan.services.map((s) => [
      s.name,
      upstreamUrl(
        env,
        serviceUrlVariable(s.name),
        needed(
          config,
          `services.${s.name}.upstream`,
          serviceUrlVariable(s.name),
          env[serviceUrlVariable(s.name)] || config.services[s.name]?.upstream,
        ),
      ),
    ]),
  );
  let identity: IdentitySource;
  try {
    identity = parseIdentitySource(env.FICUS_PROXY_USER_ID_FROM || 'header:x-user-id');
  } catch (error) {
    throw new ProxyConfigError('FICUS_PROXY_USER_ID_FROM', (error as Error).message);
  }
  return {
    host: env.FICUS_PROXY_HOST || config.proxy.listen.host,
    port: int(env, 'FICUS_PROXY_PORT', config.proxy.listen.port, 0, 65535),
    adminPort: int(env, 'FICUS_PROXY_ADMIN_PORT', config.proxy.adminListen.port, 0, 65535),
    adminToken: adminTokenOf(config),
    monolithUrl: upstreamUrl(
      env,
      'FICUS_MONOLITH_URL',
      needed(
        config,
        'monolith.upstream',
        'FICUS_MONOLITH_URL',
        env.FICUS_MONOLITH_URL || config.monolith.upstream,
      ),
    ),
    serviceUrls,
    unleash: {
      url: url(env, 'FICUS_UNLEASH_URL', `${config.unleash.url}/api`),
      token: needed(
        config,
        'unleash.clientToken',
        'FICUS_UNLEASH_TOKEN',
        config.unleash.clientToken,
      ),
      refreshMs: int(env, 'FICUS_UNLEASH_REFRESH_MS', 1000, 100),
      backupDir: path.resolve(
        env.FICUS_PROXY_FLAGS_BACKUP_DIR || path.join(config.stateDir, 'proxy-flags'),
      ),
      appName: env.FICUS_PROXY_APP_NAME || 'ficus-proxy',
    },
    backendHeader: bool(env, 'FICUS_PROXY_BACKEND_HEADER', config.proxy.backendHeader),
    identity,
    sessionCookie: env.FICUS_PROXY_SESSION_COOKIE || 'sid',
    mirror: {
      concurrency: int(env, 'FICUS_PROXY_MIRROR_CONCURRENCY', 128, 0),
      maxBodyBytes: int(env, 'FICUS_PROXY_MIRROR_MAX_BODY_BYTES', 1024 * 1024, 0),
      sampleRatio: ratio(env, 'FICUS_PROXY_MIRROR_SAMPLE', 1),
      timeoutMs: int(env, 'FICUS_PROXY_MIRROR_TIMEOUT_MS', 2000, 1),
      recheckAfterMs: int(env, 'FICUS_PROXY_MIRROR_RECHECK_MS', 1500, 0),
    },
    serviceTimeoutMs: int(env, 'FICUS_PROXY_SERVICE_TIMEOUT_MS', 2000, 1),
    maxRequestBytes: int(env, 'FICUS_PROXY_MAX_REQUEST_BYTES', 10 * 1024 * 1024, 0),
    caseSensitivePaths: bool(env, 'FICUS_PROXY_CASE_SENSITIVE_PATHS', false),
    circuit: {
      failureThreshold: int(env, 'FICUS_PROXY_CIRCUIT_FAILURES', 5, 1),
      cooldownMs: int(env, 'FICUS_PROXY_CIRCUIT_COOLDOWN_MS', 5000, 1),
    },
    calibrationSamples: int(env, 'FICUS_PROXY_CALIBRATION_SAMPLES', 20, 0),
    // FICUS_KIT_DB_URL='' turns recording off (a proxy without a kit DB, e.g. in a benchmark)
    kitDbUrl: env.FICUS_KIT_DB_URL === '' ? '' : config.kit.database.url,
    retention: int(env, 'FICUS_PROXY_COMPARISON_RETENTION', 100_000, 1),
  };
}
