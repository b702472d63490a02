/**
 * The databases and login roles the stack provides. Legacy cluster: the monolith's `shop`
 * database and its role. Services cluster: the kit's `ficus` database, Unleash's own database,
 * and one database plus one login role per service of the plan. A service's role may connect to
 * its own database only (CONNECT is revoked from PUBLIC), so the boundary is the database's.
 */
import pg from 'pg';
import { quoteIdent, quoteLiteral } from '../lib/sql.ts';

export type DatabaseGrant = { database: string; role: string; password: string };

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates what is missing; changes nothing that exists (a second `up` is a no-op). */
export async function ensureDatabases(adminUrl: string, grants: DatabaseGrant[]): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query('REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
    for (const { database, role, password } of grants) {
      const roleExists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (!roleExists.rowCount)
        await client.query(
          `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(password)}`,
        );
      const dbExists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        database,
      ]);
      if (!dbExists.rowCount)
        await client.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(role)}`);
      await client.query(`REVOKE CONNECT ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
      await client.query(
        `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`,
      );
    }
  });
}
