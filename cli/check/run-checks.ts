/**
 * `ficus check`'s steps, wired: reachability of every component (Unleash with its tokens), then
 * what needs a reachable database: change capture on each source database (wal_level, slots and
 * WAL senders, keys, replica identity, publication), the roles, and the plan's tables, columns,
 * types and ranges. A check that cannot run because its database is unreachable is not listed:
 * the reachability failure says why.
 */
import type pg from 'pg';
import { serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
import { configuredConnectorSpec } from '../../cdc/connect/configured-connectors.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import { checkReport, type CheckReport, type CheckResult } from './check-result.ts';
import { openDatabase, serviceChecks } from './component-checks.ts';
import { capacityCheck, captureChecks, type CaptureSource } from './capture-checks.ts';
import {
  replicaSessionCheck,
  replicationRoleCheck,
  tableOwnershipCheck,
} from './database-checks.ts';
import { serviceMappingChecks } from './mapping-checks.ts';
import { createdObjectsChecks } from './created-objects.ts';
import { foreignKeyChecks } from './foreign-key-checks.ts';

type OpenedService = { service: ServicePlan; db: pg.Client | undefined };

/** The forward connectors: one per service that owns or replicates a table. */
const forwardConnectors = (plan: Plan, config: FicusConfig) =>
  plan.services
    .filter((s) => s.owns.length + s.replicates.length > 0)
    .map((service) => ({
      service,
      spec: configuredConnectorSpec(plan, service, 'forward', config),
    }));

/** The reverse connector a service gets at its cut-over, on its own database. */
const reverseConnectors = (plan: Plan, service: ServicePlan, config: FicusConfig) =>
  service.owns.length
    ? [{ service, spec: configuredConnectorSpec(plan, service, 'reverse', config) }]
    : [];

async function legacyChecks(legacy: pg.Client, plan: Plan, config: FicusConfig) {
  const source: CaptureSource = {
    where: 'legacy database',
    db: legacy,
    connectors: forwardConnectors(plan, config),
  };
  const captured = await captureChecks(source);
  return [
    ...captured.slice(0, 1), // wal_level first, as it always was
    ...(await capacityCheck(
      legacy,
      source.where,
      source.connectors.map((c) => c.spec.slot),
    )),
    await replicationRoleCheck(legacy, config.legacy.connectSide),
    await tableOwnershipCheck(legacy, plan, config),
    ...captured.slice(1),
    // the reverse sink writes into the legacy DB as ficus's role there
    await replicaSessionCheck(legacy, config.legacy.database.user, 'legacy database'),
  ];
}

/** The services' side of the reverse sync: capture on each service's DB, capacity per server. */
async function reverseCaptureChecks(services: OpenedService[], plan: Plan, config: FicusConfig) {
  const results: CheckResult[] = [];
  const servers = new Map<string, { db: pg.Client; slots: string[] }>();
  for (const { service, db } of services) {
    const connectors = reverseConnectors(plan, service, config);
    if (!db || !connectors.length) continue;
    const where = `${service.name}'s database`;
    results.push(...(await captureChecks({ where, db, connectors })));
    results.push(
      await replicationRoleCheck(db, serviceConfig(config, service.name).connectSide, where),
    );
    const { host, port } = serviceConfig(config, service.name).database;
    const server = servers.get(`${host}:${port}`) ?? { db, slots: [] };
    server.slots.push(...connectors.map((c) => c.spec.slot));
    servers.set(`${host}:${port}`, server);
  }
  for (const [address, { db, slots }] of servers)
    results.push(...(await capacityCheck(db, `services' database server ${address}`, slots)));
  return results;
}

export async function runChecks(plan: Plan, config: FicusConfig): Promise<CheckReport> {
  const results: CheckResult[] = [];
  const opened: pg.Client[] = [];
  const open = async (...args: Parameters<typeof openDatabase>) => {
    const client = await openDatabase(...args);
    if (client) opened.push(client);
    return client;
  };
  try {
    const legacy = await open(config.legacy.database, 'legacy database', results);
    const kit = await open(config.kit.database, 'kit database', results);
    if (kit) await kit.end().then(() => opened.splice(opened.indexOf(kit), 1));
    const services: OpenedService[] = [];
    for (const service of plan.services) {
      const db = serviceConfig(config, service.name).database;
      services.push({ service, db: await open(db, `${service.name}'s database`, results) });
    }
    results.push(...(await serviceChecks(config)));
    if (legacy) results.push(...(await legacyChecks(legacy, plan, config)));
    results.push(...(await reverseCaptureChecks(services, plan, config)));
    for (const { service, db } of services) {
      if (!db) continue;
      const role = serviceConfig(config, service.name).database.user;
      results.push(await replicaSessionCheck(db, role, `${service.name}'s database`));
      if (legacy) results.push(...(await serviceMappingChecks(plan, service, legacy, db)));
      if (legacy) results.push(...(await foreignKeyChecks(legacy, plan, service, db)));
    }
    results.push(...(await createdObjectsChecks(plan, config, legacy, services)));
    return checkReport(results);
  } finally {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
  }
}
