/**
 * A PostgreSQL cluster that ficus did not create, as a user's DBA runs it: its own data folder,
 * a superuser not named `ficus`, a port no ficus default uses, reachable as `localhost` (IPv4 and
 * IPv6), `wal_level=logical`. Made with the machine's server binaries, the way the embedded stack
 * makes its own (stack/postgres-cluster.ts), then set up by hand with `sql()`. `snapshot()` reads
 * everything a DBA would not want changed behind their back (roles, memberships, databases and
 * their ACLs, parameter grants, slots, and per database its schemas, relations, publications,
 * triggers, functions, extensions and default privileges), so a test can diff before and after.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import * as cluster from '../stack/postgres-cluster.ts';
import { findPostgresBin } from '../stack/prerequisites.ts';

export type ForeignCluster = {
  port: number;
  adminUser: string;
  /** runs SQL as the superuser (the DBA) in a database */
  sql(database: string, text: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** a URL of a database of this cluster, as `localhost` */
  url(database: string, user: string, password?: string): string;
  snapshot(databases: string[]): Promise<Snapshot>;
  stop(): void;
};

/** What a DBA would not want changed, by key (`role:x`, `app:relation:public.t`, ...), as JSON. */
export type Snapshot = Map<string, string>;

/** Ports of ficus's defaults and of the well-known servers: the cluster uses none of them. */
const DEFAULT_PORTS = new Set([5432, 15432, 15433, 25432, 25433, 9092, 8083, 4242]);

/** A free loopback port that is none of the defaults. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!DEFAULT_PORTS.has(port)) return port;
  }
}

// Appended after what initdb and the stack's defaults wrote: the last setting wins.
const DBA_SETTINGS = `
# --- a DBA's own cluster (not ficus's) ---
listen_addresses = 'localhost'
shared_buffers = 32MB
max_connections = 60
max_replication_slots = 4
max_wal_senders = 4
`;

const DBA_HBA = `host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
host replication all ::1/128 scram-sha-256
`;

export async function startForeignCluster(adminUser = 'dba'): Promise<ForeignCluster> {
  const pgBin = findPostgresBin();
  if (!pgBin) throw new Error('PostgreSQL server binaries not found (initdb, pg_ctl)');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-foreign-pg-'));
  fs.chmodSync(home, 0o755);
  const adminPassword = crypto.randomBytes(12).toString('hex');
  const spec: cluster.ClusterSpec = {
    name: 'foreign-postgres',
    port: await freePort(),
    dataDir: path.join(home, 'data'),
    logFile: path.join(home, 'postgres.log'),
    pgBin,
    adminUser,
    adminPassword,
  };
  cluster.initialise(spec);
  fs.appendFileSync(path.join(spec.dataDir, 'postgresql.conf'), DBA_SETTINGS);
  fs.writeFileSync(path.join(spec.dataDir, 'pg_hba.conf'), DBA_HBA);
  cluster.start(spec);

  const url = (database: string, user: string, password?: string) =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@localhost:${spec.port}/${encodeURIComponent(database)}`;
  const sql = async (database: string, text: string, params?: unknown[]) => {
    const client = new pg.Client({ connectionString: url(database, adminUser, adminPassword) });
    await client.connect();
    try {
      return await client.query(text, params);
    } finally {
      await client.end();
    }
  };
  return {
    port: spec.port,
    adminUser,
    sql,
    url,
    snapshot: (databases) => snapshot(sql, databases),
    stop: () => {
      cluster.stop(spec, 'immediate');
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

const CLUSTER_QUERIES: Record<string, string> = {
  role: `SELECT rolname AS key, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
           rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil, md5(coalesce(rolpassword, '')) AS password
         FROM pg_authid WHERE rolname NOT LIKE 'pg\\_%'`,
  member: `SELECT r.rolname || ' > ' || m.rolname AS key, a.admin_option
           FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member`,
  'role-setting': `SELECT coalesce(r.rolname, '*') || ' in ' || coalesce(d.datname, '*') AS key, s.setconfig
                   FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole
                   LEFT JOIN pg_database d ON d.oid = s.setdatabase`,
  database: `SELECT datname AS key, pg_get_userbyid(datdba) AS owner, datacl::text[] AS acl,
               datallowconn, datconnlimit FROM pg_database`,
  parameter: `SELECT parname AS key, paracl::text[] AS acl FROM pg_parameter_acl`,
  slot: `SELECT slot_name AS key, database, plugin, slot_type FROM pg_replication_slots`,
};

const USER_SCHEMAS = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;

const DATABASE_QUERIES: Record<string, string> = {
  schema: `SELECT n.nspname AS key, pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text[] AS acl
           FROM pg_namespace n WHERE ${USER_SCHEMAS}`,
  relation: `SELECT n.nspname || '.' || c.relname AS key, c.relkind, pg_get_userbyid(c.relowner) AS owner,
               c.relacl::text[] AS acl, c.relreplident, c.relrowsecurity
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${USER_SCHEMAS}`,
  publication: `SELECT p.pubname AS key, pg_get_userbyid(p.pubowner) AS owner, p.puballtables,
                  array(SELECT schemaname || '.' || tablename FROM pg_publication_tables t
                        WHERE t.pubname = p.pubname ORDER BY 1) AS tables
                FROM pg_publication p`,
  trigger: `SELECT t.tgrelid::regclass::text || ' ' || t.tgname AS key, t.tgenabled
            FROM pg_trigger t WHERE NOT t.tgisinternal`,
  function: `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
               pg_get_userbyid(p.proowner) AS owner, p.proacl::text[] AS acl
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMAS}`,
  extension: `SELECT extname AS key, extversion FROM pg_extension`,
  'default-acl': `SELECT coalesce(n.nspname, '*') || ' ' || pg_get_userbyid(d.defaclrole) || ' ' || d.defaclobjtype::text AS key,
                    d.defaclacl::text[] AS acl
                  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace`,
};

type Sql = (database: string, text: string) => Promise<pg.QueryResult>;

async function collect(
  out: Snapshot,
  sql: Sql,
  database: string,
  prefix: string,
  queries: Record<string, string>,
) {
  for (const [kind, text] of Object.entries(queries)) {
    const { rows } = await sql(database, text);
    for (const { key, ...rest } of rows as { key: string }[])
      out.set(`${prefix}${kind}:${key}`, JSON.stringify(rest));
  }
}

async function snapshot(sql: Sql, databases: string[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  await collect(out, sql, 'postgres', '', CLUSTER_QUERIES);
  for (const database of databases)
    await collect(out, sql, database, `${database}:`, DATABASE_QUERIES);
  return out;
}

export type SnapshotChange = { key: string; before?: unknown; after?: unknown };

/** Every key added, removed or changed between two snapshots, values parsed back from JSON. */
export function snapshotChanges(before: Snapshot, after: Snapshot): SnapshotChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys
    .filter((key) => before.get(key) !== after.get(key))
    .map((key) => ({
      key,
      before: before.has(key) ? JSON.parse(before.get(key)!) : undefined,
      after: after.has(key) ? JSON.parse(after.get(key)!) : undefined,
    }));
}

/** `grantee=privileges/grantor` entries of an ACL (empty grantee is PUBLIC). */
export function aclEntries(acl: unknown): { grantee: string; privileges: string }[] {
  return ((acl as string[] | null) ?? []).map((entry) => {
    const [grantee, rest] = entry.split('=');
    return { grantee: grantee.replace(/^"|"$/g, ''), privileges: rest.split('/')[0] };
  });
}
