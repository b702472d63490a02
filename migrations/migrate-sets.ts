/**
 * Which database each migration set goes into, and running them in order. The kit's own set goes
 * into the kit DB; a service's set, from the folder the configuration names
 * (`services.<name>.migrations`), into the service's DB as the service's own role. Shared by
 * `ficus migrate`, `ficus stack up --apps` and the walkthrough; the example's `legacy` set comes
 * in through their doors (cli/commands/migrate.ts), never from here.
 */
import { serviceConfig, type FicusConfig } from '../lib/config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import type { Progress } from '../lib/progress.ts';
import type { Plan } from '../plan/plan-types.ts';
import { migrationsDirectory, redactUrl, runMigrations } from './migrate-runner.ts';

export type MigrationTarget = { set: string; url: string; directory: string };

export const kitTarget = (config: FicusConfig): MigrationTarget => ({
  set: 'kit',
  url: config.kit.database.url,
  directory: migrationsDirectory('kit'),
});

/** A service's set; undefined when the configuration names no migrations folder for it. */
export function serviceTarget(config: FicusConfig, name: string): MigrationTarget | undefined {
  const service = serviceConfig(config, name);
  return service.migrations
    ? { set: name, url: service.database.url, directory: service.migrations }
    : undefined;
}

/**
 * The targets of the named sets (`kit` or a service of the plan); with none named, every service
 * that has a migrations folder, then the kit.
 */
export function migrationTargets(
  config: FicusConfig,
  plan: Plan,
  sets?: string[],
): MigrationTarget[] {
  if (!sets) {
    const services = plan.services.map((s) => serviceTarget(config, s.name));
    return [...services.filter((t) => t !== undefined), kitTarget(config)];
  }
  return sets.map((set) => {
    if (set === 'kit') return kitTarget(config);
    if (!plan.services.some((s) => s.name === set)) {
      const known = ['kit', ...plan.services.map((s) => s.name)].join(', ');
      throw new ConfigError(`ficus migrate: unknown migration set "${set}" (known: ${known})`);
    }
    const target = serviceTarget(config, set);
    if (!target)
      throw new ConfigError(
        `${config.file}: services.${set}.migrations is not set, so ficus has no migrations to run for ${set}`,
        { file: config.file, key: `services.${set}.migrations` },
      );
    return target;
  });
}

export async function migrateSets(targets: MigrationTarget[], progress: Progress): Promise<void> {
  for (const target of targets) {
    const { set } = target;
    progress.step(`${set}: migrating ${redactUrl(target.url)}`);
    const result = await runMigrations({
      url: target.url,
      directory: target.directory,
      onProgress: ({ migration, state }) => {
        if (state === 'start') progress.step(`${set}: ${migration}`);
      },
    }).catch((error: unknown) => {
      progress.fail(`${set}: stopped; later sets were not migrated`);
      throw error;
    });
    progress.done(
      `${set}: ${result.applied.length} applied, ${result.alreadyApplied} already applied before` +
        (result.applied.length ? ` (${result.applied.join(', ')})` : ''),
    );
  }
}
