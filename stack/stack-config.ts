/**
 * Everything the embedded stack needs to know, read once: where state and caches live, which
 * loopback ports each part listens on, and which versions of the jars to run. Every environment
 * variable the stack reads is read here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultStateDir } from '../lib/config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { SHOP_PLAN_FILE } from '../plan/load-plan.ts';

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
  /** ficus's state folder in the project (FICUS_HOME, else `.ficus` in the working directory) */
  home: string;
  /** the stack's configuration file and secrets (`<home>/stack`) */
  stackDir: string;
  cacheDir: string;
  logsDir: string;
  runDir: string;
  ports: StackPorts;
  /** the superuser of both clusters (its password is the `postgres-admin` secret) */
  adminUser: string;
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
  const home = defaultStateDir(env);
  const cacheDir = path.resolve(env.FICUS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ficus'));
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(ports) as (keyof StackPorts)[]) {
    const name = 'FICUS_PORT_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
    ports[key] = readPort(env, name, DEFAULT_PORTS[key]);
  }
  return {
    home,
    stackDir: path.join(home, 'stack'),
    cacheDir,
    logsDir: path.join(home, 'logs'),
    runDir: path.join(home, 'run'),
    ports,
    adminUser: 'ficus',
  };
}

/**
 * The plan the embedded stack is made for: FICUS_PLAN, else `ficus.plan.yaml` in the working
 * directory, else the example shop's plan that ships with ficus.
 */
export function stackPlanFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.FICUS_PLAN) return path.resolve(cwd, env.FICUS_PLAN);
  const own = path.join(cwd, 'ficus.plan.yaml');
  return fs.existsSync(own) ? own : SHOP_PLAN_FILE;
}
