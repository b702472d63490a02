/**
 * Reads a table's columns (name and `format_type()` type, in column order, and for an enum, a
 * domain or an extension's type the built-in type it travels as) from a live database: the input
 * `compileTableMapping` needs. Takes anything with pg's `query` so the caller decides
 * the connection (a pg.Client, a pool, a knex-less test double).
 */
import { ConfigError } from '../lib/errors.ts';
import type { ColumnInfo } from './mapping.ts';

export type Queryable = {
  query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;
};

// Each column's type, and for a type that is not built in (in pg_catalog) its portable type: a
// domain's base type (domains over domains followed down), `text` for an enum or an extension's
// type, with `[]` again for an array of one.
const COLUMNS_SQL = `
  WITH RECURSIVE cols AS (
    SELECT a.attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           t.typcategory = 'A' AND t.typelem <> 0 AS is_array,
           CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END AS elem,
           a.atttypmod AS mod
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
  ), base AS (
    SELECT attnum, elem AS oid, mod FROM cols
    UNION ALL
    SELECT b.attnum, t.typbasetype, t.typtypmod FROM base b JOIN pg_type t ON t.oid = b.oid
    WHERE t.typtype = 'd'
  )
  SELECT c.name, c.type,
    CASE WHEN et.typnamespace = 'pg_catalog'::regnamespace THEN NULL
         ELSE CASE WHEN bt.typnamespace = 'pg_catalog'::regnamespace THEN format_type(b.oid, b.mod)
                   ELSE 'text' END || CASE WHEN c.is_array THEN '[]' ELSE '' END
    END AS portable
  FROM cols c
  JOIN pg_type et ON et.oid = c.elem
  JOIN base b ON b.attnum = c.attnum
  JOIN pg_type bt ON bt.oid = b.oid AND bt.typtype <> 'd'
  ORDER BY c.attnum`;

export async function describeTable(
  db: Queryable,
  schema: string,
  table: string,
): Promise<ColumnInfo[]> {
  const { rows } = await db.query(COLUMNS_SQL, [schema, table]);
  return (rows as { name: string; type: string; portable: string | null }[]).map(
    ({ name, type, portable }) => (portable === null ? { name, type } : { name, type, portable }),
  );
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
