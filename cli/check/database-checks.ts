/**
 * What the roles must allow before change capture and the sinks can run (the source databases'
 * settings and tables are capture-checks.ts's): REPLICATION for Debezium's role, ficus's role a
 * member of the owner of each captured table (it sets REPLICA IDENTITY, the publication and the
 * write fence), and every sink's role allowed to `SET session_replication_role` (the sinks apply
 * as a replica).
 */
import type pg from 'pg';
import type { FicusConfig } from '../../lib/config/index.ts';
import { capturedTables } from '../../cdc/connect/source-config.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { quoteIdent } from '../../lib/sql.ts';
import { fail, failureText, pass, type CheckResult } from './check-result.ts';

/** Debezium's role on a source database (the configuration's connect side) has REPLICATION. */
export async function replicationRoleCheck(
  db: pg.Client,
  side: { user: string; key: string },
  where?: string,
): Promise<CheckResult> {
  const { user, key } = side;
  const name = `Debezium's role ${user} has REPLICATION${where ? ` (${where})` : ''}`;
  const { rows } = await db.query<{ replication: boolean; superuser: boolean }>(
    'SELECT rolreplication AS replication, rolsuper AS superuser FROM pg_roles WHERE rolname = $1',
    [user],
  );
  if (!rows.length)
    return fail(
      name,
      `no role ${user}`,
      `create it (CREATE ROLE ... LOGIN REPLICATION) or fix \`${key}.user\``,
    );
  if (rows[0].replication || rows[0].superuser)
    return pass(name, rows[0].replication ? 'REPLICATION' : 'superuser');
  return fail(name, 'NOREPLICATION', `as a superuser: ALTER ROLE ${quoteIdent(user)} REPLICATION`);
}

/** ficus's legacy role must be a member of each captured table's owner. */
export async function tableOwnershipCheck(
  legacy: pg.Client,
  plan: Plan,
  config: FicusConfig,
): Promise<CheckResult> {
  const { user } = config.legacy.database;
  const name = `ficus's role ${user} owns (or is a member of the owner of) the captured tables`;
  // every captured table in its own schema: a plan may take tables from several
  const tables = plan.services.flatMap((s) => capturedTables(plan, s, 'forward'));
  const { rows } = await legacy.query<{ table: string; owner: string; member: boolean }>(
    `SELECT DISTINCT n.nspname || '.' || c.relname AS table, pg_get_userbyid(c.relowner) AS owner,
            pg_has_role($1, c.relowner, 'MEMBER') AS member
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN unnest($2::text[], $3::text[]) AS t(schema, name) ON n.nspname = t.schema AND c.relname = t.name
     WHERE c.relkind IN ('r', 'p')`,
    [user, tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  if (!rows.length)
    return pass(name, 'none of the captured tables exists yet (see the table checks)');
  const missing = rows.filter((r) => !r.member);
  if (!missing.length)
    return pass(name, `${rows.length} table(s): ${rows.map((r) => r.table).join(', ')}`);
  const owners = [...new Set(missing.map((r) => r.owner))];
  return fail(
    name,
    `not a member of the owner of ${missing.map((r) => `${r.table} (${r.owner})`).join(', ')}`,
    `as a superuser: ${owners.map((o) => `GRANT ${quoteIdent(o)} TO ${quoteIdent(user)};`).join(' ')}`,
  );
}

/** The sinks `SET LOCAL session_replication_role = replica` (PostgreSQL 15+: GRANT SET ON PARAMETER). */
export async function replicaSessionCheck(
  db: pg.Client,
  role: string,
  where: string,
): Promise<CheckResult> {
  const name = `${role} may SET session_replication_role (${where})`;
  try {
    const { rows } = await db.query<{ allowed: boolean }>(
      `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = $1)
              OR has_parameter_privilege($1, 'session_replication_role', 'SET') AS allowed`,
      [role],
    );
    if (rows[0].allowed) return pass(name, 'allowed');
    return fail(
      name,
      'not allowed: the sink applies as a replica and would fail',
      `as a superuser: GRANT SET ON PARAMETER session_replication_role TO ${quoteIdent(role)}`,
    );
  } catch (error) {
    return fail(
      name,
      failureText(error),
      'PostgreSQL 15 or later is needed (GRANT SET ON PARAMETER), or a superuser role for the sink',
    );
  }
}
