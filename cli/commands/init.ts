/**
 * `ficus init [--from <legacy database URL>] [--force]`: writes a starter ficus.config.yaml and
 * ficus.plan.yaml into the current directory (cli/starter-files.ts says what is in them). With
 * `--from` it reads the live schema (tables and primary keys, best effort) to fill in the plan's
 * legacy database and a commented-out first service. The URL's password is used to connect and
 * never written: the configuration names an environment variable for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import { reaching } from '../../lib/component-error.ts';
import { maskUrl } from '../../lib/config/index.ts';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import {
  STARTER_SECRETS,
  renderStarterConfig,
  renderStarterPlan,
  type LegacyTable,
  type LegacyTarget,
  type StarterInput,
} from '../starter-files.ts';

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

/** Ordinary tables of the user schemas, each with its primary key columns in key order. */
const TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name,
         coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM pg_index i
                   JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   WHERE i.indrelid = c.oid AND i.indisprimary), '{}'::text[]) AS key
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ficus_cdc')
    AND n.nspname NOT LIKE 'pg\\_%'
    AND c.relname NOT LIKE 'knex\\_%' AND c.relname NOT LIKE 'ficus\\_sync\\_%'
  ORDER BY n.nspname, c.relname`;

/** The schema with the most tables (public on a tie) and its tables. */
async function readLegacySchema(url: string): Promise<{ schema: string; tables: LegacyTable[] }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string; key: string[] }>(
      TABLES_SQL,
    );
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.schema, (counts.get(row.schema) ?? 0) + 1);
    const [schema] = [...counts].sort(
      (a, b) => b[1] - a[1] || Number(b[0] === 'public') - Number(a[0] === 'public'),
    )[0] ?? ['public'];
    const tables = rows.filter((r) => r.schema === schema).map(({ name, key }) => ({ name, key }));
    return { schema, tables };
  } finally {
    await client.end();
  }
}

async function starterInput(from: string | undefined): Promise<StarterInput> {
  if (!from) return {};
  const legacy = parseFrom(from);
  const progress = createProgress();
  const display = maskUrl(from);
  progress.step(`reading the tables of ${display}`);
  const component = {
    kind: 'database',
    key: '--from',
    address: display,
    source: 'the command line',
  };
  try {
    const { schema, tables } = await reaching(component, () => readLegacySchema(from));
    progress.done(`${tables.length} tables in ${legacy.database}.${schema}`);
    return { legacy, schema, tables };
  } catch (error) {
    // best effort: the files are still worth writing, without the tables
    progress.fail(`could not read the schema (${errorMessage(error)}); the plan lists no tables`);
    return { legacy };
  }
}

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'write a starter ficus.config.yaml and ficus.plan.yaml here, with comments on what to fill in',
    )
    .option(
      '--from <url>',
      'the legacy database (postgres://user[:password]@host:port/db): fill the plan from its live schema (the password is used, never written)',
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
      const input = await starterInput(options.from);
      fs.writeFileSync(files[0], renderStarterConfig(input));
      fs.writeFileSync(files[1], renderStarterPlan(input));
      process.stdout.write(
        [
          `wrote ${files[0]}`,
          `wrote ${files[1]}`,
          '',
          'next:',
          `  1. fill in every "FILL IN" of ${CONFIG_FILE} (docs/configuration.md)`,
          `  2. set the passwords it names: ${Object.values(STARTER_SECRETS).join(', ')}`,
          `  3. uncomment and name the first service in ${PLAN_FILE} (docs/plan.md), add it to ${CONFIG_FILE}'s services`,
          '  4. ficus migrate kit; ficus connectors apply <service>; ficus sync <service>; ficus verify <service>',
          '',
        ].join('\n'),
      );
    });
}
