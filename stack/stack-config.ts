/**
 * Everything the embedded stack needs to know, read once: where state and caches live, which
 * loopback ports each part listens on, and which versions of the jars to run. Every environment
 * variable the stack reads is read here.
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';

/** The checkout's root, or the installed package's (not its `dist/`): see lib/package-paths.ts. */
export const REPO_ROOT = PACKAGE_ROOT;

/** Versions pinned together: Debezium 3.7 is built against Kafka 4.3. See docs/decisions/0001. */
export const VERSIONS = {
  kafka: '4.3.1',
  scala: '2.13',
  debeziumPostgres: '3.7.0.Final',
  // The JDBC sink is released on its own cadence; 3.6.0.Final is the newest on Maven Central.
  debeziumJdbc: '3.6.0.Final',
  log4j: '2.24.3',
} as const;

export type StackPorts = {
  legacyPostgres: number;
  servicesPostgres: number;
  kafka: number;
  kafkaController: number;
  connect: number;
  unleash: number;
  proxy: number;
  proxyAdmin: number;
  monolith: number;
  servicePortBase: number;
};

/** Defaults sit clear of the standard ports a machine already uses (5432, 9092, 8083, 4242, ...). */
export const DEFAULT_PORTS: StackPorts = {
  legacyPostgres: 15432,
  servicesPostgres: 15433,
  kafka: 19092,
  kafkaController: 19093,
  connect: 18083,
  unleash: 14242,
  proxy: 18080,
  proxyAdmin: 18089,
  monolith: 18081,
  servicePortBase: 18100,
};

export type StackConfig = {
  home: string;
  cacheDir: string;
  logsDir: string;
  runDir: string;
  ports: StackPorts;
  adminUser: string;
  adminPassword: string;
  unleashAdminToken: string;
  unleashClientToken: string;
};

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new ConfigError(
      `environment variable ${name} must be a port between 1024 and 65535, got "${raw}"`,
    );
  }
  return port;
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const home = path.resolve(env.FICUS_HOME ?? path.join(REPO_ROOT, '.ficus'));
  const cacheDir = path.resolve(env.FICUS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ficus'));
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    const name = 'FICUS_PORT_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
    ports[key] = readPort(env, name, DEFAULT_PORTS[key]);
  }
  return {
    home,
    cacheDir,
    logsDir: path.join(home, 'logs'),
    runDir: path.join(home, 'run'),
    ports,
    adminUser: 'ficus',
    adminPassword: env.FICUS_ADMIN_PASSWORD ?? 'ficus',
    unleashAdminToken: '*:*.ficus-admin-token',
    unleashClientToken: 'default:development.ficus-client-token',
  };
}

/** Connection URLs of the parts, derived from the config, so every program agrees on them. */
export function stackUrls(config: StackConfig) {
  const { ports, adminUser, adminPassword } = config;
  const pg = (port: number, db: string, user = adminUser, password = adminPassword) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  return {
    legacyAdmin: (db = 'shop') => pg(ports.legacyPostgres, db),
    servicesAdmin: (db = 'ficus') => pg(ports.servicesPostgres, db),
    legacyAs: (db: string, user: string, password: string) =>
      pg(ports.legacyPostgres, db, user, password),
    servicesAs: (db: string, user: string, password: string) =>
      pg(ports.servicesPostgres, db, user, password),
    kafkaBootstrap: `127.0.0.1:${ports.kafka}`,
    connect: `http://127.0.0.1:${ports.connect}`,
    unleash: `http://127.0.0.1:${ports.unleash}`,
  };
}
