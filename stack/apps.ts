/**
 * The applications of the demo on the embedded stack (`ficus stack up --apps`): the monolith,
 * every service of the plan, each service's sync worker and the proxy. Each is a node process
 * on the project's Node 24, managed like the stack's own parts (pid + log under .ficus/).
 */
import type { Progress } from '../lib/progress.ts';
import type { Plan } from '../plan/plan-types.ts';
import { waitFor } from '../lib/wait.ts';
import { modulePath, packagePath } from '../lib/package-paths.ts';
import {
  logFile,
  portOpen,
  runningPid,
  startDetached,
  stopProcess,
  tail,
  type ProcessSpec,
} from './processes.ts';
import { stackConfigFile } from '../lib/config/index.ts';
import { loadStackConfig, type StackConfig, type StackPorts } from './stack-config.ts';
import path from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { defaultMetricsPort } from '../cdc/sink/sink-config.ts';

import type { Direction } from '../plan/mapping.ts';

export type AppSpec = {
  name: string;
  port: number;
  url: string;
  process: ProcessSpec;
  healthy: () => Promise<boolean>;
};

/**
 * `script`: an absolute path (modulePath for a module of ficus, packagePath for bin/). The apps of
 * the stack read the stack's configuration, whatever else the project that started them has.
 */
const node = (
  name: string,
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ['--disable-warning=TimeoutNegativeWarning', script, ...args],
  cwd: process.cwd(),
  env: { ...process.env, FICUS_CONFIG: stackConfigFile(loadStackConfig().home), ...env },
});

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export const syncAppName = (service: string, direction: Direction) =>
  `sync-${service}-${direction}`;

export function syncApp(plan: Plan, service: string, direction: Direction): AppSpec {
  const port = defaultMetricsPort(plan, service, direction);
  return {
    name: syncAppName(service, direction),
    port,
    url: `http://127.0.0.1:${port}/metrics`,
    process: node(syncAppName(service, direction), packagePath('bin/ficus.js'), [
      'sync',
      service,
      '--direction',
      direction,
    ]),
    healthy: () => httpOk(`http://127.0.0.1:${port}/metrics`),
  };
}

export function serviceApp(config: StackConfig, plan: Plan, service: string): AppSpec {
  const port = config.ports.servicePortBase + plan.services.findIndex((s) => s.name === service);
  return {
    name: service,
    port,
    url: `http://127.0.0.1:${port}`,
    process: node(service, modulePath(`extracted/${service}/main.ts`)),
    healthy: () => httpOk(`http://127.0.0.1:${port}/health`),
  };
}

export function monolithApp(config: StackConfig): AppSpec {
  const port = config.ports.monolith;
  return {
    name: 'monolith',
    port,
    url: `http://127.0.0.1:${port}`,
    process: node('monolith', modulePath('monolith/main.ts')),
    healthy: () => httpOk(`http://127.0.0.1:${port}/health`),
  };
}

/** At most this many proxies on the embedded stack: their ports sit between the stack's others. */
export const MAX_STACK_PROXIES = 5;

/**
 * The ports of the stack's proxy number `n` (1-based): the first on the configured ones; the others
 * on consecutive ports after the first's admin port (18090, 18091, ... by default), their admin
 * ports right after those (18094, ...): a range no other part of the stack uses.
 */
export function proxyPorts(ports: StackPorts, n: number): { port: number; adminPort: number } {
  if (!Number.isInteger(n) || n < 1 || n > MAX_STACK_PROXIES)
    throw new ConfigError(`--proxies must be an integer from 1 to ${MAX_STACK_PROXIES}, got ${n}`);
  return n === 1
    ? { port: ports.proxy, adminPort: ports.proxyAdmin }
    : {
        port: ports.proxyAdmin + n - 1,
        adminPort: ports.proxyAdmin + MAX_STACK_PROXIES - 1 + n - 1,
      };
}

/** The first proxy keeps the name `proxy` (its pid file and log); the others are `proxy-<n>`. */
export const proxyAppName = (n: number) => (n === 1 ? 'proxy' : `proxy-${n}`);

export function proxyApp(config: StackConfig, n = 1): AppSpec {
  const { port, adminPort } = proxyPorts(config.ports, n);
  const own: NodeJS.ProcessEnv =
    n === 1
      ? {}
      : {
          FICUS_PROXY_PORT: String(port),
          FICUS_PROXY_ADMIN_PORT: String(adminPort),
          // each proxy keeps its own backup of the flags
          FICUS_PROXY_FLAGS_BACKUP_DIR: path.join(config.home, 'state', `proxy-flags-${n}`),
        };
  return {
    name: proxyAppName(n),
    port,
    url: `http://127.0.0.1:${port}`,
    // The demo shows who answered each request (the walkthrough's traffic counts it): the
    // stack's configuration turns `proxy.backendHeader` on (stack/write-stack-config.ts).
    process: node(proxyAppName(n), modulePath('proxy/main.ts'), [], own),
    healthy: () => portOpen(port),
  };
}

export const proxyApps = (config: StackConfig, count: number): AppSpec[] =>
  Array.from({ length: count }, (_, i) => proxyApp(config, i + 1));

/**
 * Every app, in start order: what others call comes first. Each service gets a worker of each sync
 * direction; each follows its direction's assignment in the kit DB, so the reverse one stands by
 * until the write cut-over switches it on (cdc/sink/sink-follower.ts). ficus starts them here as
 * a supervisor would, for the demo; the cut-over itself never starts or stops one.
 */
export function appSpecs(config: StackConfig, plan: Plan, proxies = 1): AppSpec[] {
  const directions: Direction[] = ['forward', 'reverse'];
  return [
    monolithApp(config),
    ...plan.services.map((s) => serviceApp(config, plan, s.name)),
    ...plan.services.flatMap((s) => directions.map((d) => syncApp(plan, s.name, d))),
    ...proxyApps(config, proxies),
  ];
}

/** Starts an app unless it answers already; waits until it is healthy. */
export async function ensureApp(
  config: StackConfig,
  app: AppSpec,
  progress: Progress,
  timeoutMs = 60_000,
): Promise<void> {
  if (await app.healthy()) return progress.done(`${app.name} already running (${app.url})`);
  if (!runningPid(config, app.name)) {
    if (await portOpen(app.port))
      throw new Error(`port ${app.port} for ${app.name} is taken by another program`);
    startDetached(config, app.process);
  }
  try {
    await waitFor(
      `${app.name} to answer on ${app.url}`,
      async () =>
        (await app.healthy()) ||
        (runningPid(config, app.name) ? false : Promise.reject(new Error('it exited'))),
      { timeoutMs, intervalMs: 300 },
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\nlast lines of ${logFile(config, app.name)}:\n${tail(logFile(config, app.name))}`,
    );
  }
  progress.done(`${app.name} up (${app.url})`);
}

export async function stopApp(
  config: StackConfig,
  name: string,
  progress?: Progress,
): Promise<void> {
  if (await stopProcess(config, name)) progress?.done(`${name} stopped`);
}

/** Names of app processes ficus started that still run (for `down` and `status`), proxies first. */
export function runningApps(config: StackConfig, plan: Plan): string[] {
  const names = appSpecs(config, plan, MAX_STACK_PROXIES)
    .map((app) => app.name)
    .reverse();
  return names.filter((name) => runningPid(config, name));
}
