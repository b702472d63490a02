/**
 * Environment variables that override single entries of the configuration (docs/configuration.md
 * lists them all). They are applied after the file is read and checked like the file's entries,
 * with errors that name the variable.
 */
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { DatabaseConfig, FicusConfig } from './config-types.ts';
import { maskUrl } from './mask.ts';

/** `FICUS_SERVICE_URL_<NAME>`: the variable that overrides one service's upstream URL. */
export const serviceUrlVariable = (service: string) =>
  `FICUS_SERVICE_URL_${service.replace(/\W/g, '_').toUpperCase()}`;

/** A database given whole by an environment variable (its password may be in the URL: it is a secret's place). */
function databaseFromEnv(name: string, raw: string, key: string): DatabaseConfig {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`environment variable ${name} must be a postgres:// URL`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^postgres(ql)?:$/.test(parsed.protocol) || !database || !parsed.username)
    throw new ConfigError(
      `environment variable ${name} must be a postgres://user@host:port/database URL, got "${maskUrl(raw)}"`,
    );
  return {
    key: `${key} (from ${name})`,
    url: raw,
    display: maskUrl(raw),
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

function httpFromEnv(name: string, raw: string): string {
  try {
    const protocol = new URL(raw).protocol;
    if (protocol === 'http:' || protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(`environment variable ${name} must be an http(s) URL, got "${raw}"`);
}

export function applyEnvOverrides(
  config: FicusConfig,
  env: NodeJS.ProcessEnv,
  cwd: string,
): FicusConfig {
  const set = (name: string) => (env[name] ? env[name] : undefined);
  const out: FicusConfig = {
    ...config,
    legacy: { ...config.legacy },
    kit: { ...config.kit },
    services: { ...config.services },
    unleash: { ...config.unleash },
    monolith: { ...config.monolith },
    proxy: { ...config.proxy },
  };
  if (set('FICUS_PLAN')) out.planFile = path.resolve(cwd, env.FICUS_PLAN!);
  if (set('FICUS_KIT_DB_URL'))
    out.kit.database = databaseFromEnv('FICUS_KIT_DB_URL', env.FICUS_KIT_DB_URL!, 'kit.database');
  if (set('FICUS_KAFKA_BROKERS'))
    out.kafka = { brokers: env.FICUS_KAFKA_BROKERS!.split(',').map((b) => b.trim()) };
  if (set('FICUS_CONNECT_URL'))
    out.connect = { url: httpFromEnv('FICUS_CONNECT_URL', env.FICUS_CONNECT_URL!) };
  if (set('FICUS_UNLEASH_ADMIN_URL'))
    out.unleash.url = httpFromEnv('FICUS_UNLEASH_ADMIN_URL', env.FICUS_UNLEASH_ADMIN_URL!);
  if (set('FICUS_UNLEASH_ADMIN_TOKEN')) out.unleash.adminToken = env.FICUS_UNLEASH_ADMIN_TOKEN;
  if (set('FICUS_UNLEASH_TOKEN')) out.unleash.clientToken = env.FICUS_UNLEASH_TOKEN;
  if (set('FICUS_MONOLITH_URL'))
    out.monolith.upstream = httpFromEnv('FICUS_MONOLITH_URL', env.FICUS_MONOLITH_URL!);
  for (const [name, service] of Object.entries(config.services)) {
    const variable = serviceUrlVariable(name);
    if (set(variable))
      out.services[name] = { ...service, upstream: httpFromEnv(variable, env[variable]!) };
  }
  if (set('FICUS_PROXY_ADMIN_URL'))
    out.proxy.adminUrl = httpFromEnv('FICUS_PROXY_ADMIN_URL', env.FICUS_PROXY_ADMIN_URL!);
  if (set('FICUS_PROXY_ADMIN_TOKEN')) out.proxy.adminToken = env.FICUS_PROXY_ADMIN_TOKEN;
  return out;
}
