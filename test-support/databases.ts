/**
 * Databases for e2e suites, the Unleash way: each migration set is migrated once into a template
 * database (`ficus_tpl_<set>`), rebuilt only when the set's migration files change (their
 * fingerprint is kept as the template's comment), and every suite gets a fresh clone of it
 * (`CREATE DATABASE ... TEMPLATE ...`, milliseconds), dropped when the suite ends.
 *
 * @example
 *   const db = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
 *   afterAll(() => db.drop());
 *   const app = createMonolithApp({ db: db.knex });
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { FicusError, errorMessage } from '../lib/errors.ts';
import { sleep } from '../lib/wait.ts';
import { migrationFingerprint } from '../migrations/migration-source.ts';
import { migrationsDirectory, runMigrations } from '../migrations/migrate-runner.ts';
import { stackAdminUrl, stackRoleUrl } from './stack-access.ts';
import { quoteIdent } from '../lib/sql.ts';
import { createKnex } from '../lib/database.ts';

export type Cluster = 'legacy' | 'services';

export type TestDatabaseOptions = {
  cluster: Cluster;
  /** migration set (folder under migrations/): 'legacy', 'catalog', 'orders', 'kit', ... */
  template: string;
  /** login role that owns the template and the clone (it must exist); default: the admin */
  owner?: string;
  /** migrations folder, when not migrations/<template> */
  directory?: string;
};

export type TestDatabase = {
  name: string;
  /** admin (superuser) URL of the clone */
  url: string;
  /** URL of the clone as another login role of the stack, e.g. the service's own */
  urlAs(role: string): string;
  knex: Knex;
  drop(): Promise<void>;
};

const safeName = (text: string) => text.toLowerCase().replace(/[^a-z0-9_]/g, '_');

function clusterUrls(cluster: Cluster) {
  return {
    admin: (database: string) => stackAdminUrl(cluster, database),
    as: (database: string, role: string) => stackRoleUrl(cluster, database, role),
  };
}

export function templateDatabaseName(template: string, owner?: string): string {
  return `ficus_tpl_${safeName(template)}${owner ? `_${safeName(owner)}` : ''}`.slice(0, 63);
}

async function withAdmin<T>(cluster: Cluster, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrls(cluster).admin('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Makes sure the template exists and holds the current migrations; call with the lock held. */
async function ensureTemplate(
  client: pg.Client,
  options: TestDatabaseOptions,
  template: string,
): Promise<void> {
  const directory = options.directory ?? migrationsDirectory(options.template);
  const stamp = `ficus template, migrations ${migrationFingerprint(directory)}`;
  const found = await client.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [template],
  );
  if (found.rowCount && found.rows[0].comment === stamp) return;
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`);
  await client.query(
    `CREATE DATABASE ${quoteIdent(template)}${options.owner ? ` OWNER ${quoteIdent(options.owner)}` : ''}`,
  );
  try {
    await runMigrations({ url: clusterUrls(options.cluster).admin(template), directory });
  } catch (error) {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`);
    throw error;
  }
  await client.query(`COMMENT ON DATABASE ${quoteIdent(template)} IS '${stamp}'`);
}

/** CREATE DATABASE ... TEMPLATE fails while anything is connected to the template; retry briefly. */
async function cloneTemplate(
  client: pg.Client,
  template: string,
  name: string,
  owner?: string,
): Promise<void> {
  const sql = `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}${owner ? ` OWNER ${quoteIdent(owner)}` : ''}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(sql);
      return;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test(errorMessage(error))) throw error;
      await sleep(100 * attempt);
    }
  }
}

export async function createTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const template = templateDatabaseName(options.template, options.owner);
  const name = `ficus_test_${safeName(options.template).slice(0, 20)}_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  try {
    await withAdmin(options.cluster, async (client) => {
      // Suites run in parallel workers: one builds the template while the others wait.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
      try {
        await ensureTemplate(client, options, template);
        await cloneTemplate(client, template, name, options.owner);
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
      }
    });
  } catch (error) {
    throw new FicusError(
      'test_database_failed',
      `cannot create test database ${name} from ${template} on the ${options.cluster} cluster: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  const urls = clusterUrls(options.cluster);
  const url = urls.admin(name);
  const knex = createKnex(url, { poolMax: 5 });
  return {
    name,
    url,
    urlAs: (role) => urls.as(name, role),
    knex,
    drop: async () => {
      await knex.destroy();
      await withAdmin(options.cluster, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}
