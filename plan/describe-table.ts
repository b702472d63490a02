/**
 * Reads a table's columns (name and `format_type()` type, in column order) from a live database:
 * the input `compileTableMapping` needs. Takes anything with pg's `query` so the caller decides
 * the connection (a pg.Client, a pool, a knex-less test double).
 */
import { ConfigError } from '../lib/errors.ts';
import type { ColumnInfo } from './mapping.ts';

export type Queryable = {
  query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;
};

const COLUMNS_SQL = `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

export async function describeTable(
  db: Queryable,
  schema: string,
  table: string,
): Promise<ColumnInfo[]> {
  const { rows } = await db.query(COLUMNS_SQL, [schema, table]);
  return rows as ColumnInfo[];
}

/** Like describeTable, but a missing table is an error that names it. */
export async function describeExistingTable(
  db: Queryable,
  schema: string,
  table: string,
  where: string,
): Promise<ColumnInfo[]> {
  const columns = await describeTable(db, schema, table);
  if (columns.length === 0)
    throw new ConfigError(`${where}: table ${schema}.${table} does not exist (or has no columns)`);
  return columns;
}
