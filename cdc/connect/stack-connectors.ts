/**
 * The source connectors of a plan on the embedded stack: which database each direction reads
 * (forward: the legacy DB; reverse: the service's own DB on the services cluster), connecting as
 * the stack's admin role (Debezium needs REPLICATION; the admin is a superuser).
 */
import pg from 'pg';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import type { Progress } from '../../lib/progress.ts';
import { loadStackConfig, stackUrls, type StackConfig } from '../../stack/stack-config.ts';
import { applyConnector } from './apply-connector.ts';
import { createConnectClient } from './connect-client.ts';
import {
  sourceConnectorSpec,
  type DatabaseEndpoint,
  type SourceConnectorSpec,
} from './source-config.ts';

export function sourceEndpoint(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  config: StackConfig,
): DatabaseEndpoint {
  const forward = direction === 'forward';
  return {
    host: '127.0.0.1',
    port: forward ? config.ports.legacyPostgres : config.ports.servicesPostgres,
    user: config.adminUser,
    password: config.adminPassword,
    database: forward ? plan.legacy.database : service.database,
  };
}

export function stackConnectorSpec(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  config: StackConfig,
): SourceConnectorSpec {
  return sourceConnectorSpec(plan, service, direction, {
    endpoint: sourceEndpoint(plan, service, direction, config),
  });
}

/** Runs `work` with a client on the connector's source database. */
export async function withSourceDb<T>(
  spec: SourceConnectorSpec,
  work: (db: pg.Client) => Promise<T>,
): Promise<T> {
  const { host, port, user, password, database } = spec.endpoint;
  const client = new pg.Client({ host, port, user, password, database });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const stackConnectClient = (config: StackConfig = loadStackConfig()) =>
  createConnectClient({ url: stackUrls(config).connect });

/** Creates or updates one service's connector for one direction and waits until it runs. */
export async function applyStackConnector(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  options: { progress?: Progress; timeoutMs?: number } = {},
) {
  const config = loadStackConfig();
  const spec = stackConnectorSpec(plan, service, direction, config);
  return withSourceDb(spec, (db) =>
    applyConnector(spec, service, {
      connect: stackConnectClient(config),
      sourceDb: db,
      ...options,
    }),
  );
}
