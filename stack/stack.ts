/**
 * `ficus stack up | down | status`: the embedded stack of real components on loopback.
 * `up` is idempotent (what already answers is reused), waits until each part is healthy and
 * shows progress; `down` stops only what ficus started (recorded pids, its own clusters).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { maskUrl } from '../lib/config/index.ts';
import { FicusError } from '../lib/errors.ts';
import type { Progress } from '../lib/progress.ts';
import { waitFor } from '../lib/wait.ts';
import { loadPlan } from '../plan/load-plan.ts';
import type { Plan } from '../plan/plan-types.ts';
import { appSpecs, MAX_STACK_PROXIES, runningApps } from './apps.ts';
import { appsDown } from './apps-up.ts';
import { ensureRolesAndDatabases } from './databases.ts';
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
import { loadStackConfig, stackPlanFile, type StackConfig } from './stack-config.ts';
import {
  CDC_ROLE,
  KIT_DATABASE,
  KIT_ROLE,
  LEGACY_FICUS_ROLE,
  UNLEASH_ROLE,
  clusterPort,
  rolePassword,
  stackDatabaseUrl,
} from './stack-roles.ts';
import { secretFile, stackSecret, writeConnectSecrets } from './stack-secrets.ts';
import { unleashHealthy, unleashProcess } from './unleash.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';
import { writeStackConfig } from './write-stack-config.ts';

export type ComponentState = 'running' | 'stopped';
export type StackStatus = {
  components: Record<string, { state: ComponentState; [key: string]: unknown }>;
};

const stackPlan = () => loadPlan(stackPlanFile());

function clusterSpecs(config: StackConfig, pgBin: string) {
  const spec = (name: string, port: number): cluster.ClusterSpec => ({
    name,
    port,
    dataDir: path.join(config.home, 'pg', name),
    logFile: logFile(config, name),
    pgBin,
    adminUser: config.adminUser,
    adminPassword: stackSecret(config.stackDir, 'postgres-admin'),
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

/**
 * A cluster of the stack is up when ficus started it (its own data folder's postmaster runs) and
 * it answers as the stack's superuser; whatever else listens on the port is not the stack's.
 */
async function clusterUp(config: StackConfig, plan: Plan, name: 'legacy' | 'services') {
  const dataDir = path.join(config.home, 'pg', `${name}-postgres`);
  const ours = cluster.isRunning({ dataDir } as cluster.ClusterSpec);
  if (!ours || !fs.existsSync(secretFile(config.stackDir, 'postgres-admin'))) return false;
  return postgresAnswers(stackDatabaseUrl(config, plan, name, 'postgres'));
}

/** Health of every part, probed over the network: the same answer whoever started them. */
export async function stackStatus(config: StackConfig = loadStackConfig()): Promise<StackStatus> {
  const plan = stackPlan();
  const state = (ok: boolean): ComponentState => (ok ? 'running' : 'stopped');
  const kafkaBootstrap = `127.0.0.1:${config.ports.kafka}`;
  const connectUrl = `http://127.0.0.1:${config.ports.connect}`;
  const unleashUrl = `http://127.0.0.1:${config.ports.unleash}`;
  const [legacy, services, kafka, connect, unleash] = await Promise.all([
    clusterUp(config, plan, 'legacy'),
    clusterUp(config, plan, 'services'),
    kafkaAnswers(kafkaBootstrap),
    safely(() => connectHealthy(connectUrl)),
    safely(() => unleashHealthy(unleashUrl)),
  ]);
  // Apps are listed when they answer or when ficus started them; the stack's parts always.
  const running = new Set(runningApps(config, plan));
  const apps = await Promise.all(
    appSpecs(config, plan, MAX_STACK_PROXIES).map(
      async (app) => [app.name, { state: state(await app.healthy()), url: app.url }] as const,
    ),
  );
  const listedApps = apps.filter(([name, c]) => c.state === 'running' || running.has(name));
  // Each proxy also as `proxy-<n>`; `proxy` stays the first one (what one-proxy setups read).
  const first = listedApps.find(([name]) => name === 'proxy');
  if (first) listedApps.push(['proxy-1', first[1]]);
  // The superuser's URL, masked: its password is in the file named beside it (readable by the user only).
  const admin = (name: 'legacy' | 'services', db: string) => ({
    url: maskUrl(`postgres://${config.adminUser}:x@127.0.0.1:${clusterPort(config, name)}/${db}`),
    passwordFile: secretFile(config.stackDir, 'postgres-admin'),
  });
  return {
    components: {
      ...Object.fromEntries(listedApps),
      'legacy-postgres': { state: state(legacy), ...admin('legacy', plan.legacy.database) },
      'services-postgres': { state: state(services), ...admin('services', KIT_DATABASE) },
      kafka: { state: state(kafka), bootstrap: kafkaBootstrap },
      connect: { state: state(connect), url: connectUrl },
      unleash: { state: state(unleash), url: unleashUrl },
    },
  };
}

/**
 * Starts the stack's own cluster, or finds it running. A port that answers but is not the stack's
 * cluster is refused: ficus never changes a database server it did not start.
 */
async function ensureCluster(spec: cluster.ClusterSpec, progress: Progress) {
  if (cluster.isRunning(spec))
    return progress.done(`${spec.name} already running on :${spec.port}`);
  if (await portOpen(spec.port)) {
    throw new FicusError(
      'port_in_use',
      `port ${spec.port} is taken by a server ficus did not start (the stack's ${spec.name} would run ` +
        `from ${spec.dataDir}); ficus changes nothing there. Move the stack with ` +
        `FICUS_PORT_${spec.name.replace(/-/g, '_').toUpperCase()}, or, to use that server, describe it ` +
        'in a configuration file (`ficus init`) instead of starting the stack.',
    );
  }
  if (!cluster.isInitialised(spec)) {
    progress.step(`${spec.name}: initdb in ${spec.dataDir}`);
    cluster.initialise(spec);
  }
  cluster.start(spec);
  progress.done(`${spec.name} up on :${spec.port} (wal_level=logical)`);
}

/** A state folder made by a ficus whose stack had fixed passwords cannot be reused. */
function refuseOldState(config: StackConfig): void {
  const initialised = fs.existsSync(path.join(config.home, 'pg', 'legacy-postgres', 'PG_VERSION'));
  if (initialised && !fs.existsSync(secretFile(config.stackDir, 'postgres-admin')))
    throw new FicusError(
      'stack_state_outdated',
      `${config.home} holds an embedded stack made by an older ficus (fixed passwords, no ` +
        `${path.join(config.stackDir, 'secrets')}); stop it with \`ficus stack down\`, remove ` +
        `${config.home} and run \`ficus stack up\` again`,
    );
}

async function ensureProcess(
  config: StackConfig,
  spec: ProcessSpec,
  port: number,
  healthy: () => Promise<boolean>,
  timeoutMs: number,
  progress: Progress,
): Promise<void> {
  const ours = runningPid(config, spec.name) !== undefined;
  if (ours && (await safely(healthy)))
    return progress.done(`${spec.name} already running on :${port}`);
  if (!ours) {
    if (await portOpen(port))
      throw new FicusError(
        'port_in_use',
        `port ${port} for ${spec.name} is taken by a program ficus did not start; ficus uses nothing ` +
          `there. Move the stack's ${spec.name} with FICUS_PORT_${spec.name.toUpperCase()}, or, to ` +
          'use that server, describe it in a configuration file (`ficus init`) instead.',
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

/** The roles and databases of both clusters (stack-roles.ts says who is who). */
export async function ensureStackDatabases(config: StackConfig, plan: Plan, progress: Progress) {
  const password = (role: string) => rolePassword(config, plan, role);
  const app = plan.legacy.database;
  const cdc = { role: CDC_ROLE, password: password(CDC_ROLE), replication: true };
  await ensureRolesAndDatabases(
    stackDatabaseUrl(config, plan, 'legacy', 'postgres'),
    [
      { role: app, password: password(app) },
      {
        role: LEGACY_FICUS_ROLE,
        password: password(LEGACY_FICUS_ROLE),
        memberOf: [app],
        replicaSessions: true,
      },
      cdc,
    ],
    [{ database: app, owner: app, connect: [LEGACY_FICUS_ROLE, CDC_ROLE] }],
  );
  await ensureRolesAndDatabases(
    stackDatabaseUrl(config, plan, 'services', 'postgres'),
    [
      { role: KIT_ROLE, password: password(KIT_ROLE) },
      { role: UNLEASH_ROLE, password: password(UNLEASH_ROLE) },
      cdc,
      ...plan.services.map((s) => ({
        role: s.name,
        password: password(s.name),
        replicaSessions: true,
      })),
    ],
    [
      { database: KIT_DATABASE, owner: KIT_ROLE },
      { database: 'unleash', owner: UNLEASH_ROLE },
      ...plan.services.map((s) => ({ database: s.database, owner: s.name, connect: [CDC_ROLE] })),
    ],
  );
  progress.done(
    `databases and login roles in place (${app}; ${KIT_DATABASE}, unleash, ${plan.services.map((s) => s.database).join(', ')})`,
  );
}

export async function stackUp(
  progress: Progress,
  config: StackConfig = loadStackConfig(),
): Promise<StackStatus> {
  const tools = checkPrerequisites();
  refuseOldState(config);
  const planFile = stackPlanFile();
  const plan = loadPlan(planFile);
  const jars = await ensureJars(config.cacheDir, logFile(config, 'jar-download'), (m) =>
    progress.step(m),
  );
  const specs = clusterSpecs(config, tools.pgBin);
  await Promise.all([
    ensureCluster(specs.legacy, progress),
    ensureCluster(specs.services, progress),
  ]);
  await ensureStackDatabases(config, plan, progress);
  const kafkaBootstrap = `127.0.0.1:${config.ports.kafka}`;
  const connectUrl = `http://127.0.0.1:${config.ports.connect}`;
  const unleashUrl = `http://127.0.0.1:${config.ports.unleash}`;

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
    () => kafkaAnswers(kafkaBootstrap),
    90_000,
    progress,
  );
  const unleashUp = ensureProcess(
    config,
    unleashProcess({
      port: config.ports.unleash,
      databaseUrl: stackDatabaseUrl(config, plan, 'services', 'unleash', UNLEASH_ROLE),
      adminToken: stackSecret(config.stackDir, 'unleash-admin-token'),
      clientToken: stackSecret(config.stackDir, 'unleash-client-token'),
    }),
    config.ports.unleash,
    () => unleashHealthy(unleashUrl),
    120_000,
    progress,
  );
  // Unleash may fail while Kafka is still awaited: it is awaited below, never left unhandled
  unleashUp.catch(() => undefined);
  await kafkaUp;
  const connect = connectProcess({
    home: config.home,
    kafkaLibs: jars.kafkaLibs,
    pluginsDir: jars.pluginsDir,
    port: config.ports.connect,
    bootstrap: kafkaBootstrap,
  });
  await Promise.all([
    ensureProcess(
      config,
      connect,
      config.ports.connect,
      () => connectHealthy(connectUrl),
      150_000,
      progress,
    ),
    unleashUp,
  ]);
  stackSecret(config.stackDir, 'proxy-admin-token');
  writeConnectSecrets(config.stackDir);
  const written = writeStackConfig(config, plan, planFile);
  progress.done(
    `configuration of the stack written to ${path.relative(process.cwd(), written) || written}`,
  );
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
