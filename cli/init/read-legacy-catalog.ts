/**
 * Reads a live legacy database's catalog into a LegacyCatalog (cli/init/legacy-catalog.ts): the
 * ordinary and partitioned tables of every schema but PostgreSQL's own and ficus's, their columns
 * and types, unique keys, sequences and identity columns, and the foreign keys in and out. Four
 * catalog queries and their rows turned into names; what to make of them is plan-skeleton's.
 */
import type { Queryable } from '../../plan/describe-table.ts';
import type {
  CatalogColumn,
  CatalogForeignKey,
  CatalogKey,
  CatalogTable,
  ForeignKeyAction,
  LegacyCatalog,
  SpecialType,
} from './legacy-catalog.ts';

// Left out: PostgreSQL's schemas, ficus's own (ficus_cdc, the sink's staging), and tables an
// extension brought (PostGIS's spatial_ref_sys): they are not the application's.
const TABLES_SQL = `
  SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS table, c.reltuples::float8 AS rows,
         quote_ident(c.relname) <> c.relname AS quoted, c.relkind = 'p' AS partitioned, c.relreplident AS replident,
         (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::int AS partitions,
         (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
            AND d.refclassid = 'pg_extension'::regclass LIMIT 1) AS extension
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('information_schema', 'ficus_cdc') AND n.nspname NOT LIKE 'pg\\_%'
  ORDER BY n.nspname, c.relname`;

// For an array column, the element type is the one that may need attention.
const COLUMNS_SQL = `
  SELECT a.attrelid::int8 AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         quote_ident(a.attname) <> a.attname AS quoted,
         a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
         pg_get_expr(ad.adbin, ad.adrelid) AS default,
         coalesce(
           pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname),
           (SELECT d.refobjid::regclass::text FROM pg_depend d JOIN pg_class s ON s.oid = d.refobjid
            WHERE d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
              AND d.refclassid = 'pg_class'::regclass AND s.relkind = 'S' LIMIT 1)) AS sequence,
         et.typtype AS typtype, format_type(et.oid, NULL) AS type_name,
         tn.nspname = 'pg_catalog' AS builtin,
         CASE WHEN et.typtype = 'd' THEN format_type(et.typbasetype, et.typtypmod) END AS base,
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
          WHERE e.enumtypid = et.oid) AS labels,
         (SELECT x.extname FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
          WHERE d.classid = 'pg_type'::regclass AND d.objid = et.oid AND d.deptype = 'e'
            AND d.refclassid = 'pg_extension'::regclass LIMIT 1) AS extension
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
  JOIN pg_namespace tn ON tn.oid = et.typnamespace
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum`;

// Unique indexes over plain columns only: a key must name columns (INCLUDE columns are not keys).
const KEYS_SQL = `
  SELECT i.indrelid::int8 AS oid, ic.relname AS index, i.indisprimary AS primary,
         array_agg(a.attname::text ORDER BY k.ord) AS columns, bool_and(a.attnotnull) AS not_null,
         (SELECT con.conname FROM pg_constraint con
          WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u')) AS constraint
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON k.ord <= i.indnkeyatts
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  WHERE i.indrelid = ANY($1::oid[]) AND i.indisunique AND i.indisvalid
    AND i.indpred IS NULL AND i.indexprs IS NULL
  GROUP BY i.indrelid, i.indexrelid, ic.relname, i.indisprimary
  ORDER BY i.indrelid, i.indisprimary DESC, ic.relname`;

// Either end among the tables read; partitions' clones of a partitioned table's key are left out.
const FOREIGN_KEYS_SQL = `
  SELECT con.conname AS name,
         fn.nspname AS from_schema, fc.relname AS from_table,
         (SELECT array_agg(a.attname::text ORDER BY k.ord)
          FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS from_columns,
         tn.nspname AS to_schema, tc.relname AS to_table,
         (SELECT array_agg(a.attname::text ORDER BY k.ord)
          FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS to_columns,
         con.confdeltype AS on_delete, con.confupdtype AS on_update
  FROM pg_constraint con
  JOIN pg_class fc ON fc.oid = con.conrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
  JOIN pg_class tc ON tc.oid = con.confrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
  WHERE con.contype = 'f' AND con.conparentid = 0
    AND (con.conrelid = ANY($1::oid[]) OR con.confrelid = ANY($1::oid[]))
  ORDER BY fn.nspname, fc.relname, con.conname`;

type TableRow = {
  oid: string;
  schema: string;
  table: string;
  rows: number;
  quoted: boolean;
  partitioned: boolean;
  replident: string;
  partitions: number;
  extension: string | null;
};

type ColumnRow = {
  oid: string;
  name: string;
  type: string;
  quoted: boolean;
  not_null: boolean;
  identity: string;
  generated: string;
  default: string | null;
  sequence: string | null;
  typtype: string;
  type_name: string;
  builtin: boolean;
  base: string | null;
  labels: string[] | null;
  extension: string | null;
};

type KeyRow = {
  oid: string;
  index: string;
  primary: boolean;
  columns: string[];
  not_null: boolean;
  constraint: string | null;
};

type ForeignKeyRow = {
  name: string;
  from_schema: string;
  from_table: string;
  from_columns: string[];
  to_schema: string;
  to_table: string;
  to_columns: string[];
  on_delete: string;
  on_update: string;
};

const REPLICA_IDENTITY = { d: 'default', f: 'full', i: 'index', n: 'nothing' } as const;
const ACTIONS: Record<string, ForeignKeyAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/** Why a table is not the application's own, or undefined when it is. */
function skipReason(row: TableRow): string | undefined {
  if (row.extension) return `created by the extension ${row.extension}`;
  if (/^knex_/.test(row.table)) return "knex's migration bookkeeping";
  if (/^ficus_sync_/.test(row.table)) return "ficus's sync staging";
  return undefined;
}

function specialType(row: ColumnRow): SpecialType | undefined {
  if (row.extension) return { kind: 'extension', name: row.type_name, extension: row.extension };
  if (row.builtin) return undefined;
  if (row.typtype === 'e') return { kind: 'enum', name: row.type_name, labels: row.labels ?? [] };
  if (row.typtype === 'd') return { kind: 'domain', name: row.type_name, base: row.base ?? '' };
  const kind = row.typtype === 'c' ? 'composite' : row.typtype === 'r' ? 'range' : 'other';
  return { kind, name: row.type_name };
}

function column(row: ColumnRow): CatalogColumn {
  const identity = { a: 'always', d: 'by default' } as const;
  return {
    name: row.name,
    type: row.type,
    notNull: row.not_null,
    ...(row.default !== null && { default: row.default }),
    ...(row.identity in identity && { identity: identity[row.identity as 'a' | 'd'] }),
    ...(row.sequence !== null && { sequence: row.sequence }),
    ...(row.generated === 's' && { generated: true }),
    ...(row.quoted && { quoted: true }),
    ...(specialType(row) && { special: specialType(row) }),
  };
}

const groupBy = <T extends { oid: string }>(rows: T[]) => {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.oid);
    if (group) group.push(row);
    else groups.set(row.oid, [row]);
  }
  return groups;
};

export async function readLegacyCatalog(db: Queryable, database: string): Promise<LegacyCatalog> {
  const all = (await db.query(TABLES_SQL)).rows as TableRow[];
  const skipped = all.flatMap((t) => {
    const why = skipReason(t);
    return why ? [`${t.schema}.${t.table} (${why})`] : [];
  });
  const kept = all.filter((t) => !skipReason(t));
  const oids = kept.map((t) => t.oid);
  // one after the other: a pg.Client runs one query at a time
  const columns = groupBy((await db.query(COLUMNS_SQL, [oids])).rows as ColumnRow[]);
  const keys = groupBy((await db.query(KEYS_SQL, [oids])).rows as KeyRow[]);
  const foreignKeys = (await db.query(FOREIGN_KEYS_SQL, [oids])).rows as ForeignKeyRow[];
  const tables = kept.map((t): CatalogTable => ({
    schema: t.schema,
    table: t.table,
    ...(t.quoted && { quoted: true }),
    ...(t.rows >= 0 && { rows: Math.round(t.rows) }),
    ...(t.partitioned && { partitions: t.partitions }),
    replicaIdentity: REPLICA_IDENTITY[t.replident as keyof typeof REPLICA_IDENTITY] ?? 'default',
    columns: (columns.get(t.oid) ?? []).map(column),
    keys: (keys.get(t.oid) ?? []).map((k): CatalogKey => ({
      columns: k.columns,
      primary: k.primary,
      index: k.index,
      notNull: k.not_null,
      ...(k.constraint !== null && { constraint: k.constraint }),
    })),
  }));
  return {
    database,
    tables,
    foreignKeys: foreignKeys.map((f): CatalogForeignKey => ({
      name: f.name,
      from: { schema: f.from_schema, table: f.from_table, columns: f.from_columns },
      to: { schema: f.to_schema, table: f.to_table, columns: f.to_columns },
      onDelete: ACTIONS[f.on_delete] ?? 'no action',
      onUpdate: ACTIONS[f.on_update] ?? 'no action',
    })),
    skipped,
  };
}
