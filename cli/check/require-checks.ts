/**
 * The checks of `ficus check` that a command needs before it starts, for one service and the
 * sync directions it is about to run: `ficus sync` (its direction), `ficus stage` (forward when
 * advancing to shadow or canary, reverse when advancing to live or complete). Change capture on
 * the source database (wal_level, keys, replica identity, publication) and the sink's statements
 * where it writes; the value ranges stay `ficus check`'s, as a finding to decide on, not a stop.
 * A failing check refuses the command with the same findings `ficus check` prints.
 */
import type pg from 'pg';
import { configuredConnectorSpec } from '../../cdc/connect/configured-connectors.ts';
import { serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
import { FicusError } from '../../lib/errors.ts';
import { findService } from '../../plan/load-plan.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import { captureChecks } from './capture-checks.ts';
import { renderCheckReport, checkReport, type CheckResult } from './check-result.ts';
import { openDatabase } from './component-checks.ts';
import { serviceMappingChecks } from './mapping-checks.ts';

export class ChecksFailedError extends FicusError {
  constructor(what: string, failed: CheckResult[]) {
    super(
      'checks_failed',
      `${what} refused: ${failed.length} prerequisite(s) do not hold (\`ficus check\` lists them all):\n` +
        renderCheckReport(checkReport(failed)).trimEnd(),
      { status: 409, details: { checks: failed } },
    );
  }
}

async function directionChecks(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  config: FicusConfig,
  db: { legacy: pg.Client; service: pg.Client },
): Promise<CheckResult[]> {
  const spec = configuredConnectorSpec(plan, service, direction, config);
  if (!spec.tables.length) return [];
  const source =
    direction === 'forward'
      ? { where: 'legacy database', db: db.legacy }
      : { where: `${service.name}'s database`, db: db.service };
  return [
    ...(await captureChecks({ ...source, connectors: [{ service, spec }] })),
    ...(await serviceMappingChecks(plan, service, db.legacy, db.service, {
      directions: [direction],
      ranges: false,
    })),
  ];
}

/** The failing checks of one service's directions (reachability failures included). */
export async function failingChecks(
  plan: Plan,
  config: FicusConfig,
  serviceName: string,
  directions: Direction[],
): Promise<CheckResult[]> {
  const service = findService(plan, serviceName);
  const captured = directions.filter(
    (d) => (d === 'forward' ? [...service.owns, ...service.replicates] : service.owns).length,
  );
  // a service that moves no table (routes only) needs no database checked
  if (!captured.length) return [];
  const ownDb = serviceConfig(config, service.name).database;
  const results: CheckResult[] = [];
  const opened: pg.Client[] = [];
  try {
    const legacy = await openDatabase(config.legacy.database, 'legacy database', results);
    if (legacy) opened.push(legacy);
    const own = await openDatabase(ownDb, `${service.name}'s database`, results);
    if (own) opened.push(own);
    if (legacy && own)
      for (const direction of captured)
        results.push(
          ...(await directionChecks(plan, service, direction, config, { legacy, service: own })),
        );
    return results.filter((r) => !r.ok);
  } finally {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
  }
}

/** Refuses `what` (ChecksFailedError) when a check its directions need does not hold. */
export async function requireChecks(
  what: string,
  plan: Plan,
  config: FicusConfig,
  serviceName: string,
  directions: Direction[],
): Promise<void> {
  const failed = await failingChecks(plan, config, serviceName, directions);
  if (failed.length) throw new ChecksFailedError(what, failed);
}
