/**
 * Turns the parsed configuration file into a FicusConfig, checking every entry on the way. All
 * problems are reported at once, one a line, each naming the file, the key and what was expected;
 * nothing connects before this has passed.
 */
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type {
  ConnectSideDatabase,
  DatabaseConfig,
  FicusConfig,
  LegacyMigrations,
  ProxyAddress,
  ServiceConfig,
} from './config-types.ts';
import { parseDuration } from '../duration.ts';
import { maskUrl } from './mask.ts';
import { isSecretRef, resolveSecret, type SecretContext } from './secret.ts';

type Raw = Record<string, unknown>;

/** `cutover.lease` when the configuration does not set it. */
export const DEFAULT_CUTOVER_LEASE_MS = 10_000;

/** `copy.concurrency` and `copy.chunkRows` when the configuration does not set them (cdc/copy/). */
export const DEFAULT_COPY_CONCURRENCY = 2;
export const DEFAULT_COPY_CHUNK_ROWS = 50_000;

/** Collects problems while reading; `fail()` throws them together. */
class Reader {
  readonly problems: string[] = [];
  readonly context: SecretContext;
  constructor(context: SecretContext) {
    this.context = context;
  }

  problem(key: string, message: string): undefined {
    this.problems.push(`${key}: ${message}`);
    return undefined;
  }

  section(raw: Raw, key: string, required = true): Raw | undefined {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null)
      return required ? this.problem(key, 'is missing') : undefined;
    if (typeof value !== 'object' || Array.isArray(value))
      return this.problem(key, 'must be a mapping');
    return value as Raw;
  }

  string(raw: Raw, key: string, required = true): string | undefined {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null || value === '')
      return required ? this.problem(key, 'is missing') : undefined;
    if (typeof value !== 'string') return this.problem(key, 'must be a string');
    return value;
  }

  secret(raw: Raw, key: string): string | undefined {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return undefined;
    if (!isSecretRef(value))
      return this.problem(
        key,
        'must name where the secret is: { env: VARIABLE } or { file: path } (never the secret itself)',
      );
    try {
      return resolveSecret(value, key, this.context);
    } catch (error) {
      this.problems.push((error as Error).message.replace(`${this.context.file}: `, ''));
      return undefined;
    }
  }

  boolean(raw: Raw, key: string, fallback: boolean): boolean {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.problem(key, 'must be true or false');
      return fallback;
    }
    return value;
  }

  /** A duration (`500ms`, `10s`, `2m`; a bare number is seconds). */
  duration(raw: Raw, key: string, fallback: number): number {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return fallback;
    try {
      return parseDuration(String(value), key);
    } catch (error) {
      this.problems.push((error as Error).message);
      return fallback;
    }
  }

  /** A whole number of at least `min`; `fallback` when not set. */
  count(raw: Raw, key: string, fallback: number | undefined, min = 1): number | undefined {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return fallback;
    if (!Number.isInteger(value) || (value as number) < min) {
      this.problem(key, `must be a whole number of at least ${min}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value as number;
  }

  port(raw: Raw, key: string): number | undefined {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return undefined;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535)
      return this.problem(key, `must be a port number (1..65535), got ${JSON.stringify(value)}`);
    return value as number;
  }

  httpUrl(raw: Raw, key: string, required = true, protocols = ['http:', 'https:']) {
    const value = this.string(raw, key, required);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return this.problem(key, `must be a URL, got "${value}"`);
    }
    if (!protocols.includes(parsed.protocol))
      return this.problem(key, `must be a ${protocols.join(' or ')} URL, got "${value}"`);
    if (parsed.password)
      return this.problem(key, 'must not hold a password (name it with a secret entry)');
    return value.replace(/\/+$/, '');
  }

  address(raw: Raw, key: string, fallback: ProxyAddress): ProxyAddress {
    const value = raw[lastPart(key)];
    if (value === undefined || value === null) return fallback;
    const text = String(value);
    const match = /^(?:(.*):)?(\d+)$/.exec(text);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port > 65535) {
      this.problem(key, `must be "host:port" or a port, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return { host: match[1] || fallback.host, port };
  }
}

const lastPart = (key: string) => key.slice(key.lastIndexOf('.') + 1);

function database(reader: Reader, raw: Raw, key: string): DatabaseConfig | undefined {
  const section = reader.section(raw, key);
  if (!section) return undefined;
  const url = reader.string(section, `${key}.url`);
  const secret = reader.secret(section, `${key}.password`);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return reader.problem(`${key}.url`, `must be a postgres:// URL, got "${maskUrl(url)}"`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    return reader.problem(`${key}.url`, `must be a postgres:// URL, got "${maskUrl(url)}"`);
  if (parsed.password)
    return reader.problem(
      `${key}.url`,
      `must not hold a password (move it to ${key}.password: { env: VARIABLE } or { file: path })`,
    );
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name)
    return reader.problem(`${key}.url`, 'must name the database (postgres://host:port/name)');
  if (!parsed.username)
    return reader.problem(`${key}.url`, 'must name the user (postgres://user@host/name)');
  const password = secret ?? '';
  if (password) parsed.password = encodeURIComponent(password);
  return {
    key,
    url: parsed.toString(),
    display: maskUrl(parsed.toString()),
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 5432,
    database: name,
    user: decodeURIComponent(parsed.username),
    password,
  };
}

/** The database as Kafka Connect sees it: each part defaults to what ficus itself uses. */
function connectSide(
  reader: Reader,
  raw: Raw,
  key: string,
  db: DatabaseConfig,
): ConnectSideDatabase {
  const section = reader.section(raw, `${key}.connect`, false) ?? {};
  return {
    key: `${key}.connect`,
    host: reader.string(section, `${key}.connect.host`, false) ?? db.host,
    port: reader.port(section, `${key}.connect.port`) ?? db.port,
    database: reader.string(section, `${key}.connect.database`, false) ?? db.database,
    user: reader.string(section, `${key}.connect.user`, false) ?? db.user,
    password: reader.secret(section, `${key}.connect.password`) ?? db.password,
    passwordReference: providerReference(reader, section, `${key}.connect.passwordFromProvider`),
  };
}

/** `${provider:path:key}`: a Kafka config provider reference, resolved by the Connect worker. */
function providerReference(reader: Reader, raw: Raw, key: string): string | undefined {
  const value = reader.string(raw, key, false);
  if (value === undefined) return undefined;
  if (!/^\$\{[\w.-]+:[^}]*\}$/.test(value))
    return reader.problem(
      key,
      `must be a Kafka config provider reference such as \${file:/path/secrets.properties:key} or \${env:VARIABLE}, got "${value}"`,
    );
  return value;
}

function service(reader: Reader, raw: Raw, name: string, base: string): ServiceConfig | undefined {
  const key = `services.${name}`;
  const section = reader.section(raw, key);
  if (!section) return undefined;
  const db = database(reader, section, `${key}.database`);
  const dbSection = (section.database ?? {}) as Raw;
  const migrations = reader.string(section, `${key}.migrations`, false);
  return db
    ? {
        name,
        database: db,
        connectSide: connectSide(reader, dbSection, `${key}.database`, db),
        upstream: reader.httpUrl(section, `${key}.upstream`, false, ['http:']),
        migrations: migrations === undefined ? undefined : path.resolve(base, migrations),
      }
    : undefined;
}

/**
 * `legacy.migrations`: a folder, and whom its migrations run as; the role defaults to ficus's own
 * (`legacy.url`), but the monolith's tables belong to its owner, so a configuration names that.
 */
function legacyMigrations(
  reader: Reader,
  legacy: Raw,
  base: string,
  legacyDb: DatabaseConfig | undefined,
): LegacyMigrations | undefined {
  const key = 'legacy.migrations';
  const section = reader.section(legacy, key, false);
  if (!section) return undefined;
  const directory = reader.string(section, `${key}.directory`);
  if (section.url === undefined && section.password !== undefined)
    return reader.problem(`${key}.password`, `is the password of ${key}.url, which is not set`);
  const owner = section.url === undefined ? legacyDb : database(reader, legacy, key);
  return directory !== undefined && owner
    ? { directory: path.resolve(base, directory), database: owner }
    : undefined;
}

function brokers(reader: Reader, raw: Raw): string[] {
  const value = raw.brokers;
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0) {
    reader.problem(
      'kafka.brokers',
      'must list the bootstrap servers, e.g. [kafka-1:9092, kafka-2:9092]',
    );
    return [];
  }
  const bad = list.filter((b) => typeof b !== 'string' || !/^[^\s:]+:\d+$/.test(b.trim()));
  if (bad.length)
    reader.problem('kafka.brokers', `each must be host:port, got ${JSON.stringify(bad)}`);
  return list.map((b) => String(b).trim());
}

const KNOWN = [
  'plan',
  'state',
  'legacy',
  'kit',
  'services',
  'kafka',
  'connect',
  'unleash',
  'monolith',
  'proxy',
  'cutover',
  'copy',
];

export function parseConfig(
  raw: unknown,
  file: string,
  env: NodeJS.ProcessEnv,
  origin: FicusConfig['origin'] = 'file',
): FicusConfig {
  const reader = new Reader({ file, env });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${file}: the configuration must be a mapping`, { file });
  const root = raw as Raw;
  for (const key of Object.keys(root))
    if (!KNOWN.includes(key))
      reader.problem(key, `is not a configuration key (known: ${KNOWN.join(', ')})`);
  const base = path.dirname(file);

  const legacySection = reader.section(root, 'legacy') ?? {};
  const legacyDb = database(reader, { legacy: legacySection }, 'legacy');
  const kitDb = database(reader, root, 'kit');
  const servicesRaw = reader.section(root, 'services') ?? {};
  const services: Record<string, ServiceConfig> = {};
  for (const name of Object.keys(servicesRaw)) {
    const s = service(reader, { [name]: servicesRaw[name] }, name, base);
    if (s) services[name] = s;
  }
  const kafka = reader.section(root, 'kafka') ?? {};
  const connect = reader.section(root, 'connect') ?? {};
  const unleash = reader.section(root, 'unleash') ?? {};
  const monolith = reader.section(root, 'monolith', false) ?? {};
  const proxy = reader.section(root, 'proxy', false) ?? {};
  const cutover = reader.section(root, 'cutover', false) ?? {};
  const copy = reader.section(root, 'copy', false) ?? {};

  const listen = reader.address(proxy, 'proxy.listen', { host: '127.0.0.1', port: 8080 });
  const adminListen = reader.address(proxy, 'proxy.adminListen', { host: '127.0.0.1', port: 8089 });
  const adminHost = ['0.0.0.0', '::'].includes(adminListen.host) ? '127.0.0.1' : adminListen.host;
  const config = {
    file,
    origin,
    planFile: path.resolve(base, reader.string(root, 'plan', false) ?? 'ficus.plan.yaml'),
    stateDir: path.resolve(base, reader.string(root, 'state', false) ?? '.ficus'),
    legacy: {
      database: legacyDb!,
      connectSide: legacyDb ? connectSide(reader, legacySection, 'legacy', legacyDb) : undefined!,
      migrations: legacyMigrations(reader, legacySection, base, legacyDb),
    },
    kit: { database: kitDb! },
    services,
    kafka: { brokers: brokers(reader, kafka) },
    connect: { url: reader.httpUrl(connect, 'connect.url')! },
    unleash: {
      url: reader.httpUrl(unleash, 'unleash.url')!,
      adminToken: reader.secret(unleash, 'unleash.adminToken'),
      clientToken: reader.secret(unleash, 'unleash.clientToken'),
      project: reader.string(unleash, 'unleash.project', false) ?? 'default',
      environment: reader.string(unleash, 'unleash.environment', false) ?? 'development',
    },
    monolith: { upstream: reader.httpUrl(monolith, 'monolith.upstream', false, ['http:']) },
    proxy: {
      listen,
      adminListen,
      adminUrl:
        reader.httpUrl(proxy, 'proxy.adminUrl', false) ??
        `http://${adminHost.includes(':') ? `[${adminHost}]` : adminHost}:${adminListen.port}`,
      adminToken: reader.secret(proxy, 'proxy.adminToken'),
      backendHeader: reader.boolean(proxy, 'proxy.backendHeader', false),
    },
    cutover: { leaseMs: reader.duration(cutover, 'cutover.lease', DEFAULT_CUTOVER_LEASE_MS) },
    copy: {
      concurrency: reader.count(copy, 'copy.concurrency', DEFAULT_COPY_CONCURRENCY)!,
      rowsPerSecond: reader.count(copy, 'copy.rowsPerSecond', undefined),
      chunkRows: reader.count(copy, 'copy.chunkRows', DEFAULT_COPY_CHUNK_ROWS)!,
    },
  } satisfies FicusConfig;
  if (reader.problems.length)
    throw new ConfigError(reader.problems.map((p) => `${file}: ${p}`).join('\n'), {
      file,
      problems: reader.problems,
    });
  return config;
}
