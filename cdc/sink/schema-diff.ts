/**
 * How the columns a change event's schema describes differ from the columns the sink compiled
 * its writer for at start: a column added, dropped, possibly renamed (one dropped and one added
 * in the same schema: logical decoding carries no DDL, so a rename looks exactly like that), or
 * changed in type. Pure; the sink calls it only when a topic's schema differs from the last one
 * it saw (schema-watch.ts), never per event.
 *
 * Types: with Debezium's `column.propagate.source.type` on, each column's schema carries the
 * PostgreSQL type name (`__debezium.source.column.type`), compared with the compiled type.
 * Without it, the Kafka Connect type (type + logical name) is compared with the first schema the
 * sink saw on the topic, which misses a change that keeps the Connect type (text → varchar).
 */
import type { ColumnInfo } from '../../plan/mapping.ts';
import type { FieldSchema } from './decode-value.ts';

export const SOURCE_TYPE_PARAMETER = '__debezium.source.column.type';

export type SchemaChangeKind = 'added' | 'dropped' | 'renamed' | 'type changed';

export type ColumnChange = {
  kind: SchemaChangeKind;
  column: string;
  /** renamed: the old name; type changed: the old type */
  from?: string;
  /** renamed: the new name; type changed: the new type */
  to?: string;
  /** whether the plan carries the column: a change to a mapped column stops the table's sync */
  mapped: boolean;
};

/** What the sink compiled a table's writer for. */
export type TableBaseline = {
  /** the table events come from, `schema.table` */
  table: string;
  columns: ColumnInfo[];
  /** the columns the plan carries (key included) */
  mapped: ReadonlySet<string>;
};

/** Whether a change must stop the table's sync: it touches a column the plan carries. */
export const isBreaking = (change: ColumnChange): boolean =>
  change.mapped && change.kind !== 'added';

const ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'bit varying': 'varbit',
};

/**
 * PostgreSQL's type name (`pg_type.typname`, what Debezium propagates) of a `format_type()`
 * text: modifiers and schema dropped, SQL spellings to internal names, arrays as `_elem`.
 */
export function typeName(formatType: string): string {
  let t = formatType.trim().toLowerCase();
  const array = t.endsWith('[]');
  t = t.replace(/(\[\])+$/, '');
  t = t
    .replace(/\([^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  t = t.replace(/^.*\./, '').replace(/"/g, '');
  t = ALIASES[t] ?? t;
  return array ? `_${t}` : t;
}

/**
 * The JDBC driver Debezium reads column types with names a column whose default is its own
 * sequence `serial`/`bigserial`/`smallserial`: the column's type is still int4/int8/int2.
 */
const SERIAL_TYPES: Record<string, string> = {
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
  smallserial: 'int2',
  serial2: 'int2',
};

/** The type name Debezium propagates (`__debezium.source.column.type`), as `typeName` spells it. */
export function propagatedTypeName(propagated: string): string {
  const t = propagated.trim().toLowerCase();
  return SERIAL_TYPES[t] ?? typeName(t);
}

/** The row columns of an event schema: `after`'s, or `before`'s (a delete's). */
export function rowFields(fields: readonly FieldSchema[] | undefined): FieldSchema[] | undefined {
  const row = (name: string) => fields?.find((f) => f.field === name)?.fields;
  return row('after') ?? row('before');
}

const connectType = (f: FieldSchema) => (f.name ? `${f.type}:${f.name}` : f.type);

function typeChange(
  column: ColumnInfo,
  field: FieldSchema,
  first: FieldSchema | undefined,
): { from: string; to: string } | undefined {
  const propagated = field.parameters?.[SOURCE_TYPE_PARAMETER];
  if (propagated !== undefined) {
    const to = propagatedTypeName(propagated);
    return typeName(column.type) === to ? undefined : { from: column.type, to };
  }
  if (!first || connectType(first) === connectType(field)) return undefined;
  return { from: connectType(first), to: connectType(field) };
}

/**
 * The differences between the compiled columns and an event's row columns, in column order:
 * drops, then adds (a single drop with a single add is one possible rename), then type changes.
 * `first` is the row columns of the first schema seen on the topic (for types without the
 * propagated source type).
 */
export function diffColumns(
  baseline: TableBaseline,
  row: readonly FieldSchema[],
  first?: readonly FieldSchema[],
): ColumnChange[] {
  const inEvent = new Map(row.map((f) => [f.field, f]));
  const compiled = new Map(baseline.columns.map((c) => [c.name, c]));
  const mapped = (name: string) => baseline.mapped.has(name);
  const dropped = baseline.columns.filter((c) => !inEvent.has(c.name)).map((c) => c.name);
  const added = row.filter((f) => !compiled.has(f.field)).map((f) => f.field);
  const changes: ColumnChange[] = [];
  if (dropped.length === 1 && added.length === 1)
    changes.push({
      kind: 'renamed',
      column: dropped[0],
      from: dropped[0],
      to: added[0],
      mapped: mapped(dropped[0]),
    });
  else {
    for (const column of dropped) changes.push({ kind: 'dropped', column, mapped: mapped(column) });
    for (const column of added) changes.push({ kind: 'added', column, mapped: false });
  }
  const firstOf = new Map(first?.map((f) => [f.field, f]));
  for (const column of baseline.columns) {
    const field = inEvent.get(column.name);
    const change = field && typeChange(column, field, firstOf.get(column.name));
    if (change)
      changes.push({
        kind: 'type changed',
        column: column.name,
        ...change,
        mapped: mapped(column.name),
      });
  }
  return changes;
}

/** One line for logs, gates and status: `products.price changed numeric → text`. */
export function describeChange(table: string, change: ColumnChange): string {
  const name = `${table}.${change.column}`;
  switch (change.kind) {
    case 'added':
      return `${name} added${change.mapped ? '' : ' (not mapped)'}`;
    case 'dropped':
      return `${name} dropped`;
    case 'renamed':
      return `${name} dropped and ${table}.${change.to} added (renamed?)`;
    case 'type changed':
      return `${name} changed ${change.from} → ${change.to}`;
  }
}
