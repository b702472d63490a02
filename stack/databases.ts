/**
 * The databases and login roles the stack provides, on its own clusters only. A database is owned
 * by the role named for it; roles may connect only where they are given CONNECT (it is revoked
 * from PUBLIC), so the boundary between services is the database's. Passwords are the stack's
 * generated secrets and are set again on every `up`, so a role always matches its secret file.
 */
import pg from 'pg';
import { quoteIdent, quoteLiteral } from '../lib/sql.ts';

export type RoleSpec = {
  role: string;
  password: string;
  /** REPLICATION: Debezium's role */
  replication?: boolean;
  /** roles this one is a member of (inherits their rights: ficus_legacy is a member of the monolith's role) */
  memberOf?: string[];
  /**
   * may `SET session_replication_role` (PostgreSQL 15+ `GRANT SET ON PARAMETER`): the sinks apply
   * as a replica, as PostgreSQL's own logical replication does, without being superusers
   */
  replicaSessions?: boolean;
};

export type DatabaseSpec = { database: string; owner: string; connect?: string[] };

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function ensureRole(client: pg.Client, spec: RoleSpec): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.role]);
  const attributes = `LOGIN ${spec.replication ? 'REPLICATION' : 'NOREPLICATION'} PASSWORD ${quoteLiteral(spec.password)}`;
  await client.query(
    `${exists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(spec.role)} ${exists.rowCount ? 'WITH ' : ''}${attributes}`,
  );
}

async function ensureDatabase(client: pg.Client, spec: DatabaseSpec): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
    spec.database,
  ]);
  if (!exists.rowCount)
    await client.query(
      `CREATE DATABASE ${quoteIdent(spec.database)} OWNER ${quoteIdent(spec.owner)}`,
    );
  await client.query(`REVOKE CONNECT ON DATABASE ${quoteIdent(spec.database)} FROM PUBLIC`);
  for (const role of [spec.owner, ...(spec.connect ?? [])])
    await client.query(
      `GRANT CONNECT ON DATABASE ${quoteIdent(spec.database)} TO ${quoteIdent(role)}`,
    );
}

/** Creates what is missing and sets passwords and grants; runs as the cluster's superuser. */
export async function ensureRolesAndDatabases(
  adminUrl: string,
  roles: RoleSpec[],
  databases: DatabaseSpec[],
): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query('REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
    for (const role of roles) await ensureRole(client, role);
    for (const database of databases) await ensureDatabase(client, database);
    for (const role of roles) {
      for (const group of role.memberOf ?? [])
        await client.query(`GRANT ${quoteIdent(group)} TO ${quoteIdent(role.role)}`);
      if (role.replicaSessions)
        await client.query(
          `GRANT SET ON PARAMETER session_replication_role TO ${quoteIdent(role.role)}`,
        );
    }
  });
}
