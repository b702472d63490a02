/**
 * Which database each migration set goes into, and running them in order. The kit's own set goes
 * into the kit DB; a service's set, from the folder the configuration names
 * (`services.<name>.migrations`), into the service's DB as the service's own role; the legacy
 * database's set, from the folder `legacy.migrations` names, as the role it names (the owner of
 * the monolith's tables). Shared by `ficus migrate`, `ficus stack up --apps` and the walkthrough.
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
 * The legacy database's set (`ficus migrate legacy`): the embedded stack's configuration names the
 * example shop's; a user's names their monolith's, or nothing when it migrates itself.
 */
export function legacyTarget(config: FicusConfig): MigrationTarget {
  const migrations = config.legacy.migrations;
  if (!migrations)
    throw new ConfigError(
      `${config.file}: legacy.migrations is not set, so ficus has no migrations to run for the legacy database` +
        (config.origin === 'stack'
          ? " (the embedded stack names the example shop's: run `ficus stack up` again to rewrite its configuration)"
          : ''),
      { file: config.file, key: 'legacy.migrations' },
    );
  return { set: 'legacy', url: migrations.database.url, directory: migrations.directory };
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
