/**
 * The source connectors of a plan in the configured environment: which database each direction
 * reads (forward: the legacy DB; reverse: the service's own DB), as Kafka Connect reaches it and
 * as Debezium logs in (the configuration's `connect:` side: a replication role, no superuser),
 * while ficus prepares that database (tables, grants, publication) with its own role there.
 */
import pg from 'pg';
import { loadConfig, serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
import type { Progress } from '../../lib/progress.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import { applyConnector } from './apply-connector.ts';
import { createConnectClient } from './connect-client.ts';
import { dropPublication, dropSlot } from './source-database.ts';
import { requestCopies } from '../copy/copy-store.ts';
import { tableLabel } from '../../plan/qualified-table.ts';
import {
  copiesFirst,
  sourceConnectorSpec,
  type DatabaseEndpoint,
  type SourceConnectorSpec,
} from './source-config.ts';

/** The source database as Debezium sees it and logs in to it. */
export function sourceEndpoint(
  config: FicusConfig,
  service: ServicePlan,
  direction: Direction,
): DatabaseEndpoint {
  const side =
    direction === 'forward'
      ? config.legacy.connectSide
      : serviceConfig(config, service.name).connectSide;
  const { host, port, user, password, passwordReference, database } = side;
  return { host, port, user, password, passwordReference, database };
}

export function configuredConnectorSpec(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  config: FicusConfig,
): SourceConnectorSpec {
  return sourceConnectorSpec(plan, service, direction, {
    endpoint: sourceEndpoint(config, service, direction),
  });
}

/** The source database as ficus itself reaches it: its own role, its own address. */
export function sourceDatabase(config: FicusConfig, spec: SourceConnectorSpec) {
  return spec.direction === 'forward'
    ? config.legacy.database
    : serviceConfig(config, spec.service).database;
}

async function withClient<T>(options: pg.ClientConfig, work: (db: pg.Client) => Promise<T>) {
  const client = new pg.Client(options);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` on the connector's source database as ficus's role there. */
export function withSourceDb<T>(
  config: FicusConfig,
  spec: SourceConnectorSpec,
  work: (db: pg.Client) => Promise<T>,
): Promise<T> {
  return withClient({ connectionString: sourceDatabase(config, spec).url }, work);
}

/**
 * Runs `work` on the source database as Debezium's replication role, at ficus's address: dropping
 * a slot needs REPLICATION, which ficus's own role does not have.
 */
export function withReplicationRole<T>(
  config: FicusConfig,
  spec: SourceConnectorSpec,
  work: (db: pg.Client) => Promise<T>,
): Promise<T> {
  const { host, port, database } = sourceDatabase(config, spec);
  const { user, password } = spec.endpoint;
  return withClient({ host, port, database, user, password }, work);
}

export const configuredConnectClient = (config: FicusConfig = loadConfig()) =>
  createConnectClient({ url: config.connect.url });

/** Creates or updates one service's connector for one direction and waits until it runs. */
export async function applyConfiguredConnector(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  options: { progress?: Progress; timeoutMs?: number; config?: FicusConfig } = {},
) {
  const config = options.config ?? loadConfig();
  const spec = configuredConnectorSpec(plan, service, direction, config);
  const requestCopy = async () => {
    const serviceDb = serviceConfig(config, service.name).database;
    await withClient({ connectionString: serviceDb.url }, (db) =>
      requestCopies(db, service.name, spec.slot, spec.tables),
    );
    options.progress?.step(
      `initial copy of ${spec.tables.map(tableLabel).join(', ')} asked of \`ficus sync ${service.name}\` (the connector streams from its new slot, without a snapshot)`,
    );
  };
  return withSourceDb(config, spec, (db) =>
    applyConnector(spec, {
      connect: configuredConnectClient(config),
      sourceDb: db,
      progress: options.progress,
      timeoutMs: options.timeoutMs,
      beforeCreate: copiesFirst(service, direction) ? requestCopy : undefined,
    }),
  );
}

/**
 * Removes one service's connector for one direction with its replication slot and publication (a
 * slot nobody reads keeps WAL on the source DB): what a cut-over that created the connector leaves
 * when it is undone. Each part may already be gone.
 */
export async function removeConfiguredConnector(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  config: FicusConfig = loadConfig(),
): Promise<void> {
  const spec = configuredConnectorSpec(plan, service, direction, config);
  const connect = configuredConnectClient(config);
  if (await connect.findStatus(spec.name)) await connect.delete(spec.name);
  await dropConfiguredSlot(config, spec);
}

/** Drops the connector's slot (as the replication role) and its publication (as ficus's role). */
export async function dropConfiguredSlot(
  config: FicusConfig,
  spec: SourceConnectorSpec,
): Promise<void> {
  await withReplicationRole(config, spec, (db) => dropSlot(db, spec));
  await withSourceDb(config, spec, (db) => dropPublication(db, spec));
}
