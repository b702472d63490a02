/**
 * What `ficus init --from` learns from the legacy database's catalog: every user table with its
 * columns, keys and foreign keys, in terms a plan is written in (names, not oids).
 * cli/init/read-legacy-catalog.ts fills it from a live database; cli/init/plan-skeleton.ts turns
 * it into the plan's text; unit tests build it by hand.
 */

/** Where a column's type needs attention: a type PostgreSQL does not have built in. */
export type SpecialType =
  | { kind: 'enum'; name: string; labels: string[] }
  | { kind: 'domain'; name: string; base: string }
  | { kind: 'extension'; name: string; extension: string }
  | { kind: 'composite' | 'range' | 'other'; name: string };

export type CatalogColumn = {
  name: string;
  /** as `format_type()` prints it: `integer`, `numeric(12,2)`, `public.mood[]` */
  type: string;
  notNull: boolean;
  /** the column's default expression, as `pg_get_expr()` prints it */
  default?: string;
  /** `GENERATED ALWAYS|BY DEFAULT AS IDENTITY` */
  identity?: 'always' | 'by default';
  /** the sequence its values come from (identity, serial, or a `nextval()` default) */
  sequence?: string;
  /** `GENERATED ALWAYS AS (...) STORED` */
  generated?: boolean;
  /** SQL must quote its name: a reserved word, capitals, spaces (`order`, `Name`) */
  quoted?: boolean;
  /** the type (or, for an array, its element type) when it is not built in */
  special?: SpecialType;
};

/** A unique index over plain columns (no expression, no predicate), the primary key's included. */
export type CatalogKey = {
  columns: string[];
  primary: boolean;
  /** the index's name (`ALTER TABLE ... ADD PRIMARY KEY USING INDEX <it>`) */
  index: string;
  /** every column NOT NULL: the key identifies a row */
  notNull: boolean;
  /** the PRIMARY KEY or UNIQUE constraint the index belongs to, if any */
  constraint?: string;
};

export type TableRef = { schema: string; table: string };

export type ForeignKeyAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export type CatalogForeignKey = {
  name: string;
  from: TableRef & { columns: string[] };
  to: TableRef & { columns: string[] };
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
};

export type CatalogTable = TableRef & {
  /** SQL must quote its name */
  quoted?: boolean;
  /** pg_class.reltuples: the planner's estimate; undefined when the table was never analyzed */
  rows?: number;
  /** a partitioned table (its partitions are not listed apart) */
  partitions?: number;
  /** pg_class.relreplident: default, full, index, nothing */
  replicaIdentity: 'default' | 'full' | 'index' | 'nothing';
  columns: CatalogColumn[];
  keys: CatalogKey[];
};

export type LegacyCatalog = {
  database: string;
  tables: CatalogTable[];
  foreignKeys: CatalogForeignKey[];
  /** tables left out on purpose, with why (`knex_migrations: a migration tool's bookkeeping`) */
  skipped: string[];
};

export const qualifiedName = (t: TableRef) => `${t.schema}.${t.table}`;
