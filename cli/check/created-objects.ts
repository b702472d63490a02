/**
 * `ficus check`'s "created by ficus" section: what ficus has made in the legacy DB and in each
 * service's DB (rollout/created-objects.ts), so that a user sees what a rollback or `ficus clean`
 * will remove and what is still there. Informational: it never fails.
 */
import type pg from 'pg';
import type { FicusConfig } from '../../lib/config/index.ts';
import { configuredConnectorSpec } from '../../cdc/connect/configured-connectors.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import {
  createdObjects,
  describeCreated,
  type ConnectorNames,
} from '../../rollout/created-objects.ts';
import { pass, type CheckResult } from './check-result.ts';

/** The slot and publication name of every connector of the plan, with its service. */
export function connectorNames(plan: Plan, config: FicusConfig): ConnectorNames {
  return plan.services.flatMap((s) =>
    (['forward', 'reverse'] as const).map((d) => ({
      name: configuredConnectorSpec(plan, s, d, config).slot,
      service: s.name,
    })),
  );
}

async function createdObjectsCheck(
  db: pg.Client,
  where: string,
  names: ConnectorNames,
): Promise<CheckResult> {
  const objects = await createdObjects(db, names);
  return pass(
    `created by ficus in the ${where}`,
    objects.length ? describeCreated(objects) : 'nothing',
  );
}

/** One line per reachable database: the legacy DB, then each service's. */
export async function createdObjectsChecks(
  plan: Plan,
  config: FicusConfig,
  legacy: pg.Client | null | undefined,
  services: { service: ServicePlan; db: pg.Client | null | undefined }[],
): Promise<CheckResult[]> {
  const names = connectorNames(plan, config);
  const results: CheckResult[] = [];
  if (legacy) results.push(await createdObjectsCheck(legacy, 'legacy database', names));
  for (const { service, db } of services)
    if (db) results.push(await createdObjectsCheck(db, `${service.name}'s database`, names));
  return results;
}
