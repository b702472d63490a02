/**
 * `ficus init [--from <legacy database URL>] [--force]`: writes a starter ficus.config.yaml
 * (cli/init/starter-config.ts) and ficus.plan.yaml (cli/init/plan-skeleton.ts) into the current
 * directory, and never over existing files without `--force`. With `--from` it reads the live
 * legacy database's catalog (cli/init/read-legacy-catalog.ts): the plan lists every table,
 * commented with its key, size, foreign keys and what needs attention; when the catalog cannot be
 * read nothing is written. The URL's password is used to connect and never written: the
 * configuration names an environment variable for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import { reaching } from '../../lib/component-error.ts';
import { maskUrl } from '../../lib/config/index.ts';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { qualifiedName, type LegacyCatalog } from '../init/legacy-catalog.ts';
import { renderPlanSkeleton } from '../init/plan-skeleton.ts';
import { readLegacyCatalog } from '../init/read-legacy-catalog.ts';
import { planKey } from '../init/table-notes.ts';
import { STARTER_SECRETS, renderStarterConfig, type LegacyTarget } from '../init/starter-config.ts';

const CONFIG_FILE = 'ficus.config.yaml';
const PLAN_FILE = 'ficus.plan.yaml';

function parseFrom(url: string): LegacyTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('--from must be a postgres:// URL (postgres://user@host:port/database)');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^postgres(ql)?:$/.test(parsed.protocol) || !database || !parsed.username)
    throw new ConfigError(
      `--from must be a postgres://user@host:port/database URL, got "${maskUrl(url)}"`,
    );
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: decodeURIComponent(parsed.username),
  };
}

/** The live catalog of the legacy database, or an error that names it and says nothing was written. */
async function readCatalog(from: string, legacy: LegacyTarget): Promise<LegacyCatalog> {
  const progress = createProgress();
  const display = maskUrl(from);
  progress.step(`reading the tables, keys, types and foreign keys of ${display}`);
  const component = {
    kind: 'database',
    key: '--from',
    address: display,
    source: 'the command line',
  };
  try {
    const catalog = await reaching(component, async () => {
      const client = new pg.Client({ connectionString: from, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        return await readLegacyCatalog(client, legacy.database);
      } finally {
        await client.end();
      }
    });
    const schemas = new Set(catalog.tables.map((t) => t.schema));
    progress.done(
      `${catalog.tables.length} tables in ${schemas.size} schemas of ${legacy.database}`,
    );
    return catalog;
  } catch (error) {
    progress.fail('could not read the schema');
    throw new ConfigError(
      `ficus init: ${errorMessage(error)}\nnothing was written (without --from, ficus init ` +
        'writes the files with placeholders)',
    );
  }
}

/** How many tables the plan lists, and those that need a key before a service can take them. */
function tableSummary(catalog: LegacyCatalog): string {
  const keyless = catalog.tables.filter((t) => !planKey(t)).map(qualifiedName);
  return (
    `${catalog.tables.length} tables listed` +
    (keyless.length ? `; without a key, see their notes: ${keyless.join(', ')}` : '')
  );
}

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'write a starter ficus.config.yaml and ficus.plan.yaml here, with comments on what to fill in',
    )
    .option(
      '--from <url>',
      'the legacy database (postgres://user[:password]@host:port/db): list and comment every table of its live schema in the plan (the password is used, never written)',
    )
    .option('--force', 'overwrite existing files')
    .action(async (options: { from?: string; force?: boolean }) => {
      const files = [CONFIG_FILE, PLAN_FILE].map((name) => path.resolve(name));
      const existing = files.filter((file) => fs.existsSync(file));
      if (existing.length && !options.force)
        throw new ConfigError(
          `ficus init: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; ` +
            'nothing was written (--force overwrites)',
        );
      const legacy = options.from ? parseFrom(options.from) : undefined;
      const catalog = options.from && legacy ? await readCatalog(options.from, legacy) : undefined;
      const from = options.from ? maskUrl(options.from) : undefined;
      fs.writeFileSync(files[0], renderStarterConfig({ legacy }));
      fs.writeFileSync(files[1], renderPlanSkeleton({ catalog, from }));
      process.stdout.write(
        [
          `wrote ${files[0]}`,
          `wrote ${files[1]}` + (catalog ? ` (${tableSummary(catalog)})` : ''),
          '',
          'next:',
          `  1. fill in every "FILL IN" of ${CONFIG_FILE} (docs/configuration.md)`,
          `  2. set the passwords it names: ${Object.values(STARTER_SECRETS).join(', ')}` +
            (legacy
              ? ` (${STARTER_SECRETS.legacy}: the password of ${legacy.user}, which --from's URL had or PGPASSWORD gave; it is not written)`
              : ''),
          catalog
            ? `  3. the first service in ${PLAN_FILE}: its header says how (uncomment the example, move the entries of its tables into owns: and replicates:), then add it to ${CONFIG_FILE}'s services`
            : `  3. uncomment and name the first service in ${PLAN_FILE} (docs/plan.md), add it to ${CONFIG_FILE}'s services`,
          '  4. ficus migrate kit; ficus connectors apply <service>; ficus sync <service>; ficus verify <service>',
          '',
        ].join('\n'),
      );
    });
}
