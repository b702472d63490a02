/**
 * `ficus migrate [legacy | <service> | kit]`: runs one folder of knex migrations per database.
 * - legacy: migrations/legacy into the legacy `shop` DB, as the monolith's role `shop`
 * - <service>: migrations/<service> into the service's DB, as the service's own role
 * - kit: migrations/kit into the kit's own `ficus` DB on the services cluster
 * With no argument: legacy, every service of the plan, then kit; sets without a folder are skipped.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { migrateSets } from '../../migrations/migrate-sets.ts';
import { loadPlan } from '../../plan/load-plan.ts';

export function register(program: Command): void {
  program
    .command('migrate')
    .argument('[set]', 'legacy | <service> | kit (default: all, in that order)')
    .option('--url <url>', 'database URL to migrate instead of the default (only with a set)')
    .description('run the knex migrations of the legacy DB, of a service DB, or of the kit DB')
    .action(async (set: string | undefined, options: { url?: string }) => {
      if (options.url && !set)
        throw new ConfigError(
          'ficus migrate: --url needs a migration set (e.g. `ficus migrate legacy --url ...`)',
        );
      await migrateSets(loadPlan(), createProgress(), {
        sets: set ? [set] : undefined,
        url: options.url,
      });
    });
}
