/**
 * Migrates the named migration sets (default: legacy, every service of the plan, then kit), each
 * into its own database as its own login role. Shared by `ficus migrate`, `ficus stack up --apps`
 * and the walkthrough.
 */
import { ConfigError } from '../lib/errors.ts';
import type { Progress } from '../lib/progress.ts';
import { legacyAppUrl } from '../monolith/config.ts';
import type { Plan } from '../plan/plan-types.ts';
import { loadStackConfig, stackUrls } from '../stack/stack-config.ts';
import {
  migrationSetExists,
  migrationsDirectory,
  redactUrl,
  runMigrations,
} from './migrate-runner.ts';

export function migrationTarget(set: string, plan: Plan): { set: string; url: string } {
  const stack = loadStackConfig();
  const urls = stackUrls(stack);
  if (set === 'legacy') return { set, url: legacyAppUrl(stack) };
  if (set === 'kit') return { set, url: urls.servicesAdmin('ficus') };
  const service = plan.services.find((s) => s.name === set);
  if (!service) {
    const known = ['legacy', ...plan.services.map((s) => s.name), 'kit'].join(', ');
    throw new ConfigError(`ficus migrate: unknown migration set "${set}" (known: ${known})`);
  }
  // A service's role is named after the service, with its name as password (see the stack).
  return { set, url: urls.servicesAs(service.database, service.name, service.name) };
}

export const allMigrationSets = (plan: Plan) => [
  'legacy',
  ...plan.services.map((s) => s.name),
  'kit',
];

export async function migrateSets(
  plan: Plan,
  progress: Progress,
  options: { sets?: string[]; url?: string } = {},
): Promise<void> {
  const explicit = options.sets !== undefined;
  for (const name of options.sets ?? allMigrationSets(plan)) {
    const target = migrationTarget(name, plan);
    if (options.url) target.url = options.url;
    if (!migrationSetExists(name)) {
      if (explicit)
        throw new ConfigError(`ficus migrate: no migrations folder ${migrationsDirectory(name)}`);
      progress.done(`${name}: skipped, no folder migrations/${name}`);
      continue;
    }
    progress.step(`${name}: migrating ${redactUrl(target.url)}`);
    const result = await runMigrations({
      url: target.url,
      directory: migrationsDirectory(name),
      onProgress: ({ migration, state }) => {
        if (state === 'start') progress.step(`${name}: ${migration}`);
      },
    }).catch((error: unknown) => {
      progress.fail(`${name}: stopped; later sets were not migrated`);
      throw error;
    });
    progress.done(
      `${name}: ${result.applied.length} applied, ${result.alreadyApplied} already applied before` +
        (result.applied.length ? ` (${result.applied.join(', ')})` : ''),
    );
  }
}
