/**
 * Whether a table is there (`to_regclass`, resolved on the search path as a query would):
 * for readers of tables a migration or a first writer creates, asked before they are queried,
 * since a query on a missing table fails (and pg's pool throws away the connection of a failed
 * query). The name goes in as a literal, not a parameter, so that knex's `raw` (`?` placeholders)
 * runs it as well as node-postgres.
 */
import { quoteLiteral } from './sql.ts';

type Runner = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

export async function tableExists(db: Runner, name: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regclass(${quoteLiteral(name)}) IS NOT NULL AS ok`);
  return (rows[0] as { ok: boolean }).ok;
}
