/**
 * `ficus migrate [kit | <service> | legacy]`: runs one folder of knex migrations per database.
 * - kit: ficus's own migrations into the kit DB (`kit:` in the configuration)
 * - <service>: the folder `services.<service>.migrations` names, into the service's DB, as the
 *   service's own role
 * - legacy: the folder `legacy.migrations` names, into the legacy DB as the role it names (the
 *   owner of the monolith's tables; the embedded stack's configuration names the example shop's)
 * With no argument: every service that has a migrations folder, then kit.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config/index.ts';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { migrationsDirectory } from '../../migrations/migrate-runner.ts';
import { legacyTarget, migrateSets, migrationTargets } from '../../migrations/migrate-sets.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import { preflight, type Part } from '../preflight.ts';

/** The kit DB's migration set, which ships with ficus. */
const kitMigrations = () => ({ set: 'kit', directory: migrationsDirectory('kit') });

export function register(program: Command): void {
  program
    .command('migrate')
    .argument(
      '[set]',
      'kit | <service> | legacy (default: every service with migrations, then kit)',
    )
    .option(
      '--url <url>',
      'database URL to migrate instead of the configured one (only with a set)',
    )
    .description(
      "run the knex migrations of the kit DB, of a service's DB, or of the legacy DB (legacy.migrations)",
    )
    .action(async (set: string | undefined, options: { url?: string }) => {
      if (options.url && !set)
        throw new ConfigError(
          'ficus migrate: --url needs a migration set (e.g. `ficus migrate kit --url ...`)',
        );
      if (set === 'legacy') {
        // no preflight: its legacy probe logs in as ficus's role, not as the owner the set runs as
        const target = legacyTarget(loadConfig());
        await migrateSets([{ ...target, url: options.url ?? target.url }], createProgress());
        return;
      }
      if (set === 'kit' && options.url) {
        // the kit's own migrations into a database named on the command line: no configuration needed
        await migrateSets([{ ...kitMigrations(), url: options.url }], createProgress());
        return;
      }
      const config = loadConfig();
      const targets = migrationTargets(config, loadPlan(config.planFile), set ? [set] : undefined);
      if (options.url) targets[0].url = options.url;
      // a URL given on the command line is the user's own: it has no configuration key to name
      else
        await preflight(
          config,
          targets.map((t): Part => (t.set === 'kit' ? 'kit' : { service: t.set })),
        );
      await migrateSets(targets, createProgress());
    });
}
