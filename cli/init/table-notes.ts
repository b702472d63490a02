/**
 * What the plan skeleton says about one legacy table, as comment lines: its row estimate, the key
 * its plan entry names and where that key's values come from, its other unique keys, its foreign
 * keys out and in, and each thing that needs attention before a service takes it (no key, a
 * replica identity that hides changes, types PostgreSQL does not have built in, generated
 * columns, names that must be quoted), each with its fix. Pure: cli/init/plan-skeleton.ts places
 * the lines.
 */
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import {
  qualifiedName,
  type CatalogColumn,
  type CatalogForeignKey,
  type CatalogKey,
  type CatalogTable,
  type LegacyCatalog,
} from './legacy-catalog.ts';

/** The key a plan entry names: the primary key, else a unique key over NOT NULL columns. */
export function planKey(table: CatalogTable): CatalogKey | undefined {
  return table.keys.find((k) => k.primary) ?? table.keys.find((k) => k.notNull);
}

const list = (names: string[]) => names.join(', ');
const sqlTable = (t: CatalogTable) => quoteTable(t.schema, t.table);

function rowEstimate(table: CatalogTable): string {
  const kind =
    table.partitions !== undefined ? `, partitioned (${table.partitions} partitions)` : '';
  if (table.rows === undefined)
    return `rows unknown (never analyzed: ANALYZE ${sqlTable(table)} for an estimate)${kind}`;
  return `~${table.rows.toLocaleString('en-US')} rows${kind}`;
}

/** Where a column's values come from, when it says something about the cut-over. */
function valueOrigin(column: CatalogColumn): string {
  if (column.identity)
    return `identity (GENERATED ${column.identity.toUpperCase()}), sequence ${column.sequence ?? '?'}`;
  if (column.sequence) return `from the sequence ${column.sequence}`;
  if (column.default !== undefined && !column.generated) return `default ${column.default}`;
  return 'no default: the application sets it';
}

function keyLine(table: CatalogTable, key: CatalogKey | undefined): string {
  if (!key) return 'key: none (see attention)';
  const columns = key.columns.map((name) => table.columns.find((c) => c.name === name));
  const origins = columns.map((c) => (c ? `${c.name} ${c.type}, ${valueOrigin(c)}` : ''));
  const kind = key.primary ? 'primary key' : `unique index ${key.index}, no primary key`;
  return `key: ${list(key.columns)} (${kind}): ${origins.join('; ')}`;
}

/** Columns outside the key whose values come from a sequence: new rows on either side draw from it. */
function sequenceLine(table: CatalogTable, key: CatalogKey | undefined): string[] {
  const others = table.columns.filter((c) => c.sequence && !(key?.columns ?? []).includes(c.name));
  return others.length
    ? [`sequences: ${others.map((c) => `${c.name} (${valueOrigin(c)})`).join('; ')}`]
    : [];
}

function uniqueLine(table: CatalogTable, key: CatalogKey | undefined): string[] {
  const others = table.keys.filter((k) => k !== key);
  if (!others.length) return [];
  const describe = (k: CatalogKey) =>
    `(${list(k.columns)})${k.notNull ? '' : ' with NULLs allowed'}`;
  return [`unique: ${others.map(describe).join(', ')}`];
}

function action(fk: CatalogForeignKey): string {
  const parts = [
    fk.onDelete !== 'no action' && `ON DELETE ${fk.onDelete.toUpperCase()}`,
    fk.onUpdate !== 'no action' && `ON UPDATE ${fk.onUpdate.toUpperCase()}`,
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function foreignKeyLines(table: CatalogTable, foreignKeys: CatalogForeignKey[]): string[] {
  const same = (t: { schema: string; table: string }) =>
    t.schema === table.schema && t.table === table.table;
  const out = foreignKeys
    .filter((fk) => same(fk.from))
    .map(
      (fk) =>
        `${list(fk.from.columns)} -> ${qualifiedName(fk.to)} (${list(fk.to.columns)})${action(fk)}`,
    );
  const into = foreignKeys
    .filter((fk) => same(fk.to))
    .map((fk) => `${qualifiedName(fk.from)} (${list(fk.from.columns)})${action(fk)}`);
  return [
    ...(out.length ? [`references: ${out.join('; ')}`] : []),
    ...(into.length ? [`referenced by: ${into.join('; ')}`] : []),
  ];
}

function keyAttention(table: CatalogTable, key: CatalogKey | undefined): string[] {
  if (!key)
    return [
      'no primary key and no unique key over NOT NULL columns: its changes would reach the sink ' +
        `without a key. Give it one: ALTER TABLE ${sqlTable(table)} ADD PRIMARY KEY (<columns>); ` +
        `or a new column: ALTER TABLE ${sqlTable(table)} ADD COLUMN id bigint GENERATED ALWAYS ` +
        'AS IDENTITY PRIMARY KEY; then name it in key: (FILL-IN below)',
    ];
  if (key.primary) return [];
  // USING INDEX takes only an index no constraint owns
  const primaryKey = key.constraint
    ? `ADD PRIMARY KEY (${key.columns.map(quoteIdent).join(', ')})`
    : `ADD PRIMARY KEY USING INDEX ${quoteIdent(key.index)}`;
  return [
    `no primary key: the entry names the unique index ${key.index}; ficus sets REPLICA IDENTITY ` +
      'FULL on the table so that updates and deletes carry it. To make it the primary key ' +
      `instead: ALTER TABLE ${sqlTable(table)} ${primaryKey}`,
  ];
}

function replicaIdentityAttention(table: CatalogTable): string[] {
  if (table.replicaIdentity !== 'nothing') return [];
  return [
    'REPLICA IDENTITY NOTHING: its updates and deletes are not published to change data ' +
      `capture. ALTER TABLE ${sqlTable(table)} REPLICA IDENTITY DEFAULT`,
  ];
}

function typeAttention(column: CatalogColumn): string | undefined {
  const special = column.special;
  if (!special) return undefined;
  const at = `${column.name} ${column.type}`;
  const mapAsText = `or map it as text (columns: { ${column.name}: { target: ${column.name}, type: text } })`;
  switch (special.kind) {
    case 'enum':
      return `${at}: an enum (${special.labels.map((l) => `'${l}'`).join(', ')}): create the same type in the service's database, ${mapAsText}`;
    case 'domain':
      return `${at}: a domain over ${special.base}: create it in the service's database, or give the target column type ${special.base}`;
    case 'extension':
      return `${at}: a type of the extension ${special.extension}: CREATE EXTENSION ${special.extension} in the service's database, ${mapAsText}`;
    default:
      return `${at}: a ${special.kind} type of this database: create it in the service's database, ${mapAsText}`;
  }
}

function columnAttention(table: CatalogTable): string[] {
  return table.columns.flatMap((column) => {
    const notes: string[] = [];
    const typeNote = typeAttention(column);
    if (typeNote) notes.push(typeNote);
    if (column.generated)
      notes.push(
        `${column.name}: a generated column: let the service compute it (drop: [${column.name}]) or map it to a plain column`,
      );
    if (column.quoted)
      notes.push(
        `${quoteIdent(column.name)}: a name SQL must quote (ficus does; the service's own SQL must too)`,
      );
    return notes;
  });
}

function attention(table: CatalogTable, key: CatalogKey | undefined): string[] {
  const notes = [
    ...keyAttention(table, key),
    ...replicaIdentityAttention(table),
    ...(table.quoted
      ? [`${quoteIdent(table.table)}: a table name SQL must quote (ficus does)`]
      : []),
    ...columnAttention(table),
  ];
  return notes.length ? ['attention:', ...notes.map((note) => `  - ${note}`)] : [];
}

/** The lines about a table, first its name and size, without the leading `#`. */
export function tableNotes(table: CatalogTable, catalog: LegacyCatalog): string[] {
  const key = planKey(table);
  return [
    `${qualifiedName(table)}: ${rowEstimate(table)}`,
    ...[
      keyLine(table, key),
      ...sequenceLine(table, key),
      ...uniqueLine(table, key),
      ...foreignKeyLines(table, catalog.foreignKeys),
      ...attention(table, key),
    ].map((line) => `  ${line}`),
  ];
}
