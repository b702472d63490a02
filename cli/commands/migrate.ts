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
import { migrationSetExists, migrationsDirectory, redactUrl, runMigrations } from '../../migrations/migrate-runner.ts';
import { legacyAppUrl } from '../../monolith/config.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { loadStackConfig, stackUrls } from '../../stack/stack-config.ts';

type Target = { set: string; url: string };

function targetFor(set: string, plan: Plan): Target {
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

export function register(program: Command): void {
  program
    .command('migrate')
    .argument('[set]', 'legacy | <service> | kit (default: all, in that order)')
    .option('--url <url>', 'database URL to migrate instead of the default (only with a set)')
    .description('run the knex migrations of the legacy DB, of a service DB, or of the kit DB')
    .action(async (set: string | undefined, options: { url?: string }) => {
      if (options.url && !set) throw new ConfigError('ficus migrate: --url needs a migration set (e.g. `ficus migrate legacy --url ...`)');
      const plan = loadPlan();
      const sets = set ? [set] : ['legacy', ...plan.services.map((s) => s.name), 'kit'];
      const progress = createProgress();
      for (const name of sets) {
        const target = targetFor(name, plan);
        if (options.url) target.url = options.url;
        if (!migrationSetExists(name)) {
          if (set) throw new ConfigError(`ficus migrate: no migrations folder ${migrationsDirectory(name)}`);
          progress.done(`${name}: skipped, no folder migrations/${name} yet`);
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
    });
}
