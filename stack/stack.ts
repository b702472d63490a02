/**
 * `ficus stack up | down | status`: the embedded stack of real components on loopback.
 * `up` is idempotent (what already answers is reused), waits until each part is healthy and
 * shows progress; `down` stops only what ficus started (recorded pids, its own clusters).
 */
import path from 'node:path';
import pg from 'pg';
import { FicusError } from '../lib/errors.ts';
import type { Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { allAppSpecs, runningApps } from './apps.ts';
import { appsDown } from './apps-up.ts';
import { ensureDatabases, type DatabaseGrant } from './databases.ts';
import { ensureJars } from './jars.ts';
import { brokerProcess, prepareBroker } from './kafka-broker.ts';
import { connectHealthy, connectProcess } from './kafka-connect.ts';
import * as cluster from './postgres-cluster.ts';
import { checkPrerequisites, findPostgresBin } from './prerequisites.ts';
import {
  logFile,
  portOpen,
  runningPid,
  startDetached,
  stopProcess,
  tail,
  type ProcessSpec,
} from './processes.ts';
import { loadStackConfig, stackUrls, type StackConfig } from './stack-config.ts';
import { unleashHealthy, unleashProcess } from './unleash.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';

export type ComponentState = 'running' | 'stopped';
export type StackStatus = {
  components: Record<string, { state: ComponentState; [key: string]: unknown }>;
};

function clusterSpecs(config: StackConfig, pgBin: string) {
  const spec = (name: string, port: number): cluster.ClusterSpec => ({
    name,
    port,
    dataDir: path.join(config.home, 'pg', name),
    logFile: logFile(config, name),
    pgBin,
    adminUser: config.adminUser,
    adminPassword: config.adminPassword,
  });
  return {
    legacy: spec('legacy-postgres', config.ports.legacyPostgres),
    services: spec('services-postgres', config.ports.servicesPostgres),
  };
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when the broker at `bootstrap` answers a metadata request (also used by tests that run a private broker). */
export async function kafkaAnswers(bootstrap: string): Promise<boolean> {
  const admin = createKafkaAdmin({
    brokers: [bootstrap],
    clientId: 'ficus-stack',
    tuning: { connectionTimeout: 1500, retry: { retries: 0 } },
  });
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    return brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const safely = (check: () => Promise<boolean>) => check().catch(() => false);

/** Health of every part, probed over the network: the same answer whoever started them. */
export async function stackStatus(config: StackConfig = loadStackConfig()): Promise<StackStatus> {
  const urls = stackUrls(config);
  const state = (ok: boolean): ComponentState => (ok ? 'running' : 'stopped');
  const [legacy, services, kafka, connect, unleash] = await Promise.all([
    postgresAnswers(urls.legacyAdmin('postgres')),
    postgresAnswers(urls.servicesAdmin('postgres')),
    kafkaAnswers(urls.kafkaBootstrap),
    safely(() => connectHealthy(urls.connect)),
    safely(() => unleashHealthy(urls.unleash)),
  ]);
  // Apps are listed when they answer or when ficus started them; the stack's parts always.
  const running = new Set(runningApps(config, loadPlan()));
  const apps = await Promise.all(
    allAppSpecs(config, loadPlan()).map(
      async (app) => [app.name, { state: state(await app.healthy()), url: app.url }] as const,
    ),
  );
  const listedApps = apps.filter(([name, c]) => c.state === 'running' || running.has(name));
  return {
    components: {
      ...Object.fromEntries(listedApps),
      'legacy-postgres': { state: state(legacy), url: urls.legacyAdmin('shop') },
      'services-postgres': { state: state(services), url: urls.servicesAdmin('ficus') },
      kafka: { state: state(kafka), bootstrap: urls.kafkaBootstrap },
      connect: { state: state(connect), url: urls.connect },
      unleash: { state: state(unleash), url: urls.unleash },
    },
  };
}

async function ensureCluster(spec: cluster.ClusterSpec, adminUrl: string, progress: Progress) {
  if (await postgresAnswers(adminUrl))
    return progress.done(`${spec.name} already running on :${spec.port}`);
  if (await portOpen(spec.port)) {
    throw new FicusError(
      'port_in_use',
      `port ${spec.port} is taken by something that is not ficus's ${spec.name} (set FICUS_PORT_* to move it)`,
    );
  }
  if (!cluster.isInitialised(spec)) {
    progress.step(`${spec.name}: initdb in ${spec.dataDir}`);
    cluster.initialise(spec);
  }
  cluster.start(spec);
  progress.done(`${spec.name} up on :${spec.port} (wal_level=logical)`);
}

async function ensureProcess(
  config: StackConfig,
  spec: ProcessSpec,
  port: number,
  healthy: () => Promise<boolean>,
  timeoutMs: number,
  progress: Progress,
): Promise<void> {
  if (await safely(healthy)) return progress.done(`${spec.name} already running on :${port}`);
  if (!runningPid(config, spec.name)) {
    if (await portOpen(port))
      throw new FicusError(
        'port_in_use',
        `port ${port} for ${spec.name} is taken by another program (set FICUS_PORT_* to move it)`,
      );
    startDetached(config, spec);
    progress.step(`${spec.name} starting (log: ${logFile(config, spec.name)})`);
  }
  try {
    await waitFor(`${spec.name} to become healthy`, () => safely(healthy), {
      timeoutMs,
      intervalMs: 500,
    });
  } catch (error) {
    throw new FicusError(
      'component_unhealthy',
      `${(error as Error).message}\nlast lines of ${logFile(config, spec.name)}:\n${tail(logFile(config, spec.name))}`,
    );
  }
  progress.done(`${spec.name} healthy on :${port}`);
}

function serviceGrants(): DatabaseGrant[] {
  return loadPlan().services.map((s) => ({ database: s.database, role: s.name, password: s.name }));
}

export async function stackUp(
  progress: Progress,
  config: StackConfig = loadStackConfig(),
): Promise<StackStatus> {
  const tools = checkPrerequisites();
  const urls = stackUrls(config);
  const jars = await ensureJars(config.cacheDir, logFile(config, 'jar-download'), (m) =>
    progress.step(m),
  );
  const specs = clusterSpecs(config, tools.pgBin);
  await Promise.all([
    ensureCluster(specs.legacy, urls.legacyAdmin('postgres'), progress),
    ensureCluster(specs.services, urls.servicesAdmin('postgres'), progress),
  ]);
  await ensureDatabases(urls.legacyAdmin('postgres'), [
    { database: 'shop', role: 'shop', password: 'shop' },
  ]);
  await ensureDatabases(urls.servicesAdmin('postgres'), [
    { database: 'ficus', role: config.adminUser, password: config.adminPassword },
    { database: 'unleash', role: 'unleash', password: 'unleash' },
    ...serviceGrants(),
  ]);
  progress.done('databases and login roles in place (shop; ficus, unleash, one per service)');

  const broker = {
    home: config.home,
    kafkaLibs: jars.kafkaLibs,
    port: config.ports.kafka,
    controllerPort: config.ports.kafkaController,
  };
  if (!runningPid(config, 'kafka')) prepareBroker(broker);
  const kafkaUp = ensureProcess(
    config,
    brokerProcess(broker),
    config.ports.kafka,
    () => kafkaAnswers(urls.kafkaBootstrap),
    90_000,
    progress,
  );
  const unleashUp = ensureProcess(
    config,
    unleashProcess({
      port: config.ports.unleash,
      databaseUrl: urls.servicesAs('unleash', 'unleash', 'unleash'),
      adminToken: config.unleashAdminToken,
      clientToken: config.unleashClientToken,
    }),
    config.ports.unleash,
    () => unleashHealthy(urls.unleash),
    120_000,
    progress,
  );
  await kafkaUp;
  const connect = connectProcess({
    home: config.home,
    kafkaLibs: jars.kafkaLibs,
    pluginsDir: jars.pluginsDir,
    port: config.ports.connect,
    bootstrap: urls.kafkaBootstrap,
  });
  await Promise.all([
    ensureProcess(
      config,
      connect,
      config.ports.connect,
      () => connectHealthy(urls.connect),
      150_000,
      progress,
    ),
    unleashUp,
  ]);
  return stackStatus(config);
}

export async function stackDown(
  progress: Progress,
  config: StackConfig = loadStackConfig(),
): Promise<void> {
  await appsDown(progress, config);
  for (const name of ['connect', 'unleash', 'kafka']) {
    if (await stopProcess(config, name)) progress.done(`${name} stopped`);
  }
  const pgBin = findPostgresBin();
  if (!pgBin) return;
  const specs = clusterSpecs(config, pgBin);
  for (const spec of [specs.legacy, specs.services]) {
    if (cluster.stop(spec)) progress.done(`${spec.name} stopped`);
  }
}
