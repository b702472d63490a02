/**
 * `ficus check`'s steps, wired: reachability of every component, then what needs a reachable
 * database (the legacy DB's settings and roles, each sink's role, the plan's tables, columns and
 * ranges). A check that cannot run because its database is unreachable is not listed: the
 * reachability failure says why.
 */
import type pg from 'pg';
import { serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { checkReport, type CheckReport, type CheckResult } from './check-result.ts';
import { openDatabase, serviceChecks } from './component-checks.ts';
import {
  replicaSessionCheck,
  replicationRoleCheck,
  replicationSlotCheck,
  tableOwnershipCheck,
  walLevelCheck,
} from './database-checks.ts';
import { serviceMappingChecks } from './mapping-checks.ts';
import { createdObjectsChecks } from './created-objects.ts';
import { foreignKeyChecks } from './foreign-key-checks.ts';

async function legacyChecks(legacy: pg.Client, plan: Plan, config: FicusConfig) {
  return [
    await walLevelCheck(legacy),
    await replicationSlotCheck(legacy, plan, config),
    await replicationRoleCheck(legacy, config),
    await tableOwnershipCheck(legacy, plan, config),
    // the reverse sink writes into the legacy DB as ficus's role there
    await replicaSessionCheck(legacy, config.legacy.database.user, 'legacy database'),
  ];
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
    const services = [];
    for (const service of plan.services) {
      const db = serviceConfig(config, service.name).database;
      services.push({ service, db: await open(db, `${service.name}'s database`, results) });
    }
    results.push(...(await serviceChecks(config)));
    if (legacy) results.push(...(await legacyChecks(legacy, plan, config)));
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
