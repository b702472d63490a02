/**
 * `ficus stack up --apps`: after the stack itself, the demo's applications. Their databases are
 * migrated (idempotent), each service's source connector is applied for the direction its stage
 * needs (forward until the write cut-over, reverse after), and then the monolith, the services,
 * a forward and a reverse sync worker per service (each follows its direction's assignment in the
 * kit DB: the reverse one stands by until the cut-over switches it on) and the proxies (one, or
 * `--proxies N`, each registering in the kit DB) are started and waited for.
 */
import pg from 'pg';
import { applyConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { loadConfig, type FicusConfig } from '../lib/config/index.ts';
import type { Progress } from '../lib/progress.ts';
import { legacyTarget, migrateSets, migrationTargets } from '../migrations/migrate-sets.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { appSpecs, ensureApp, runningApps, stopApp } from './apps.ts';
import type { Direction } from '../plan/mapping.ts';
import { loadStackConfig, stackPlanFile, type StackConfig } from './stack-config.ts';

/**
 * The syncs each service's stage needs, from the newest recorded stage change: forward always
 * (the read model keeps flowing), reverse too once the service owns its writes.
 */
export async function syncDirections(config: FicusConfig): Promise<Map<string, Direction[]>> {
  const client = new pg.Client({ connectionString: config.kit.database.url });
  await client.connect();
  try {
    const { rows } = await client
      .query<{ service: string; to_stage: string }>(
        `SELECT DISTINCT ON (service) service, to_stage FROM stage_history ORDER BY service, changed_at DESC, id DESC`,
      )
      .catch(() => ({ rows: [] as { service: string; to_stage: string }[] }));
    return new Map(
      rows.map((r): [string, Direction[]] => [
        r.service,
        r.to_stage === 'live' || r.to_stage === 'complete' ? ['forward', 'reverse'] : ['forward'],
      ]),
    );
  } finally {
    await client.end();
  }
}

export async function appsUp(
  progress: Progress,
  config: StackConfig = loadStackConfig(),
  proxies = 1,
): Promise<void> {
  const ficus = loadConfig();
  const plan = loadPlan(ficus.planFile);
  await migrateSets([legacyTarget(ficus), ...migrationTargets(ficus, plan)], progress);
  const directions = await syncDirections(ficus);
  const directionsOf = (service: string) => directions.get(service) ?? ['forward' as Direction];
  for (const service of plan.services) {
    for (const direction of directionsOf(service.name)) {
      await applyConfiguredConnector(plan, service, direction, { progress, config: ficus });
    }
  }
  for (const app of appSpecs(config, plan, proxies)) await ensureApp(config, app, progress);
}

export async function appsDown(
  progress: Progress,
  config: StackConfig = loadStackConfig(),
): Promise<void> {
  for (const name of runningApps(config, loadPlan(stackPlanFile())))
    await stopApp(config, name, progress);
}
