/**
 * `ficus sync <service> [--direction forward|reverse]`: a long-lived sync worker for a supervisor
 * (systemd, Kubernetes, `ficus stack up --apps`). It registers in the kit DB and follows the
 * direction's assignment there (cdc/sink/sink-follower.ts), once the checks of `ficus check` for
 * its direction hold (cli/check/require-checks.ts): applies while it is switched on, stands
 * by while it is off. Prints one progress line every few seconds, serves Prometheus metrics, and
 * on SIGTERM/SIGINT finishes the batch in flight, leaves the consumer group, deregisters and
 * exits 0.
 */
import type { Command } from 'commander';
import type http from 'node:http';
import { ConfigError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { defaultMetricsPort, parseDirection, sinkOptions } from '../../cdc/sink/sink-config.ts';
import { followerMetrics, serveMetrics } from '../../cdc/sink/sink-metrics.ts';
import { startSinkWorker } from '../../cdc/sink/sink-worker.ts';
import { startSinkFollower } from '../../cdc/sink/sink-follower.ts';
import { syncFleetStore } from '../../cdc/fleet/sync-fleet-store.ts';
import { loadConfig, serviceConfig } from '../../lib/config/index.ts';
import { findService } from '../../plan/load-plan.ts';
import { openKitDb } from '../../lib/kit-db.ts';
import { packageVersion } from '../../lib/package-paths.ts';
import { preflight } from '../preflight.ts';
import { requireChecks } from '../check/require-checks.ts';
import { openVerifyPool } from '../../cdc/verify/verify-service.ts';
import { syncWorkerHooks } from '../../cdc/sink/sync-worker-hooks.ts';
import { sinkConsistency } from '../../cdc/verify/consistent-point.ts';
import { createConnectClient } from '../../cdc/connect/connect-client.ts';
import { configuredConnectorSpec } from '../../cdc/connect/configured-connectors.ts';
import { createKafkaAdmin } from '../../cdc/kafka/kafka-clients.ts';
import type { FicusConfig } from '../../lib/config/index.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan } from '../../plan/plan-types.ts';

type SyncFlags = {
  direction: string;
  metricsPort?: string;
  topicPrefix?: string;
  group?: string;
  progressInterval: string;
  sessionTimeout?: string;
};

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * The connections of the worker's automatic back-fill after a schema change
 * (cdc/sink/schema-backfill.ts): pools of its own on both databases, and the consistent point of
 * this direction, as `ficus verify <service> --repair` waits for it.
 */
function backfillConnections(
  config: FicusConfig,
  plan: Plan,
  service: string,
  direction: Direction,
) {
  const legacy = openVerifyPool(config.legacy.database.url, 2);
  const serviceDb = openVerifyPool(serviceConfig(config, service).database.url, 2);
  const kafkaAdmin = createKafkaAdmin({
    brokers: config.kafka.brokers,
    clientId: `ficus-backfill-${service}-${direction}`,
  });
  const connect = createConnectClient({ url: config.connect.url });
  let connected: Promise<void> | undefined;
  // built when a back-fill runs, not at start: a worker syncs whatever the connector settings say
  const consistency = async () => {
    // a failed connect is tried again at the next back-fill
    await (connected ??= kafkaAdmin.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    }));
    return sinkConsistency({
      // forward: the legacy DB is the source, the service DB the sink's target; reverse: the other way
      legacy: direction === 'forward' ? legacy : serviceDb,
      service: direction === 'forward' ? serviceDb : legacy,
      connect,
      kafkaAdmin,
      spec: configuredConnectorSpec(plan, findService(plan, service), direction, config),
    })();
  };
  const close = async () => {
    await kafkaAdmin.disconnect().catch(() => undefined);
    await Promise.all([legacy.end(), serviceDb.end()]);
  };
  return { legacy, serviceDb, consistency, close };
}

async function runSync(serviceName: string, flags: SyncFlags): Promise<void> {
  const direction = parseDirection(flags.direction);
  const log = createLogger(`sync:${serviceName}:${direction}`);
  const config = loadConfig();
  const options = sinkOptions({ service: serviceName, direction, config });
  // the worker reads Kafka, writes the direction's target and registers in the kit DB
  await preflight(config, [
    'kafka',
    'kit',
    direction === 'forward' ? { service: options.service } : 'legacy',
  ]);
  // what ficus check finds wrong for this direction would dead-letter or fail its events
  await requireChecks(
    `ficus sync ${serviceName} --direction ${direction}`,
    options.plan,
    config,
    serviceName,
    [direction],
  );
  const metricsPort =
    flags.metricsPort !== undefined
      ? positiveInt(flags.metricsPort, '--metrics-port')
      : defaultMetricsPort(options.plan, serviceName, direction);
  const intervalMs = positiveInt(flags.progressInterval, '--progress-interval');
  const sessionTimeoutMs =
    flags.sessionTimeout !== undefined
      ? positiveInt(flags.sessionTimeout, '--session-timeout')
      : undefined;
  const kitDb = openKitDb(config.kit.database.url, 2);
  // the worker's records in the kit DB: schema changes, pauses, back-fills, copy progress
  const schemaLog = openVerifyPool(config.kit.database.url, 2);
  const backfill = backfillConnections(config, options.plan, serviceName, direction);
  const hooks = syncWorkerHooks({
    service: serviceName,
    direction,
    config,
    kit: schemaLog,
    backfill,
  });
  const follower = startSinkFollower({
    service: serviceName,
    direction,
    store: syncFleetStore(kitDb),
    version: packageVersion(),
    log,
    startWorker: () =>
      startSinkWorker({
        ...options,
        logger: log,
        topicPrefix: flags.topicPrefix,
        groupId: flags.group,
        sessionTimeoutMs,
        ...hooks,
      }),
  });
  const stopFollower = async () => {
    await follower.stop();
    await kitDb.destroy();
    await backfill.close();
    await schemaLog.end();
  };
  const page = followerMetrics(
    { service: serviceName, direction },
    () => follower.worker()?.metrics.registry ?? null,
  );
  let server: http.Server | undefined;
  try {
    server = await serveMetrics(page, metricsPort);
  } catch (error) {
    await stopFollower();
    throw new ConfigError(
      `--metrics-port ${metricsPort}: cannot listen (${(error as Error).message})`,
    );
  }
  log.info(
    `worker ${follower.workerId}: follows the ${direction} assignment of ${serviceName} in the kit DB; metrics on http://127.0.0.1:${metricsPort}/metrics`,
  );

  let last = { at: Date.now(), applied: 0 };
  const progress = setInterval(() => {
    const worker = follower.worker();
    const now = Date.now();
    const applied = follower.applied();
    const rate = ((applied - last.applied) * 1000) / Math.max(1, now - last.at);
    last = { at: now, applied };
    if (!worker) {
      process.stdout.write(
        `sync ${serviceName} ${direction}: ${follower.state()}, applied ${applied}\n`,
      );
      return;
    }
    const s = worker.stats();
    process.stdout.write(
      `sync ${serviceName} ${direction}: applied ${applied} (${rate.toFixed(0)}/s), lag ${s.lag.total}, dead letters ${s.deadLetters}, skipped ${s.duplicates} duplicate / ${s.echoes} echo / ${s.inCopy} in the initial copy${s.copy.held.length ? `, ${s.copy.held.length} table(s) held for their initial copy` : ''}\n`,
    );
  }, intervalMs);

  const stopped = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info(`${signal}: finishing the batch in flight, deregistering, then stopping`);
      clearInterval(progress);
      void stopFollower().then(() => {
        server?.close();
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  try {
    await Promise.race([stopped, follower.failed]);
  } catch (error) {
    clearInterval(progress);
    await stopFollower();
    server?.close();
    throw error;
  }
}

export function register(program: Command): void {
  program
    .command('sync <service>')
    .description(
      'run the sink worker of a service in the foreground: Debezium events from Kafka into the other database, exactly once',
    )
    .option(
      '--direction <direction>',
      'forward (legacy -> service) or reverse (service -> legacy)',
      'forward',
    )
    .option(
      '--metrics-port <port>',
      'Prometheus /metrics port (default 19400 + 2 x service index + 1 for reverse)',
    )
    .option(
      '--topic-prefix <prefix>',
      'Debezium topic.prefix of the feeding connector (default ficus.<service>, reverse ficus.<service>.reverse)',
    )
    .option('--group <id>', 'consumer group (default ficus-sync-<service>-<direction>)')
    .option('--progress-interval <ms>', 'how often to print the progress line', '5000')
    .option(
      '--session-timeout <ms>',
      "Kafka group session timeout: how soon a crashed worker's partitions move (default 10000, broker minimum 6000)",
    )
    .action((service: string, flags: SyncFlags) => runSync(service, flags));
}
