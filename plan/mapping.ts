/**
 * The mapping compiler: the ONE place where a plan's table mapping becomes SQL. The forward sink,
 * the reverse sink and the parity check all take their SQL from here, so they cannot disagree.
 *
 * A mapping compiles to SQL expressions over the source row (alias `src`), one per target column,
 * and inverse expressions over the target row (alias `tgt`), one per source column that can be
 * recovered (derived columns cannot, so the reverse direction skips them).
 *
 *   const compiled = compileTableMapping(plan.services[0].owns[0], await describeTable(legacy, 'public', 'products'));
 *   compiled.targetColumns  // [{ name: 'title', sql: 'src."name"', ... }, { name: 'price_cents', sql: 'round(src."price" * 100)::bigint' }, ...]
 *   compiled.inverseColumns // [{ name: 'name', sql: 'tgt."title"' }, { name: 'price', sql: '(tgt."price_cents"::numeric / 100)::numeric(12,2)' }, ...]
 *
 *   // sink, forward: stage raw source rows (a JSON array of objects keyed by source column) and upsert
 *   await client.query(renderStagedUpsert(compiled, 'forward'), [JSON.stringify(rows)]);
 *   await client.query(renderStagedDelete(compiled, 'forward'), [JSON.stringify(keys)]);
 *   // sink, reverse: stage target rows (keyed by target column) into the legacy table
 *   await client.query(renderStagedUpsert(compiled, 'reverse'), [JSON.stringify(rows)]);
 *   // parity: the same target expressions, evaluated inside the legacy DB
 *   renderMappedSelect(compiled)  // SELECT <target exprs> FROM "public"."products" AS src
 *
 * Run these on sessions with `TimeZone = UTC` so timestamp conversions are deterministic.
 * Semantics: when `columns` is omitted every source column (minus `drop`) maps to itself; when it is
 * given, it is the full list of carried columns (others are reported in `unmapped`). Key columns are
 * named by their source names in the plan; `targetKey` gives their target names.
 */
import { ConfigError } from '../lib/errors.ts';
import { CONVERSIONS, isConversionName } from './conversions.ts';
import type { ColumnMapping, TableMapping } from './plan-types.ts';
import { DEFAULT_SCHEMA } from './qualified-table.ts';
import { checkTypeName, quoteIdent, quoteTable } from '../lib/sql.ts';

export const SOURCE_ALIAS = 'src';
export const TARGET_ALIAS = 'tgt';

/**
 * A column of a real table, as `describeTable` reads it: its name and `format_type()` type, and,
 * when that type is not built in (an enum, a domain, an extension's type, an array of one), the
 * built-in type its values travel as (`portable`: a domain's base type, `text` otherwise). The
 * other database may lack such a type, so staged records declare the portable type instead, and
 * only the statement that writes a column of that type casts to it, in the database that has it.
 */
export type ColumnInfo = { name: string; type: string; portable?: string };

export type TargetColumn = {
  name: string;
  /** SQL over `src` (the source row) giving this column's value */
  sql: string;
  /** the type `sql` yields, when known (derived expressions: unknown unless described) */
  type?: string;
  /** the target column's portable type, when it is described and its type is not built in */
  portable?: string;
  kind: 'column' | 'derived';
  /** the source column it comes from (kind `column`) */
  sourceColumn?: string;
  conversion?: string;
};

export type InverseColumn = {
  /** source column */
  name: string;
  /** SQL over `tgt` (the target row) giving the source value back, in the legacy DB */
  sql: string;
  type: string;
  /**
   * The same, run in the service DB (recovering a value an event left out): it yields the
   * source column's portable type, never a legacy type the service DB may lack.
   */
  portableSql: string;
};

export type CompiledTable = {
  source: { schema: string; table: string };
  target: { schema: string; table: string };
  /** key columns: source names, and the same keys by their target names, in the same order */
  sourceKey: string[];
  targetKey: string[];
  /** every column of the source table: what a staged source row declares (by portable type) */
  sourceColumns: ColumnInfo[];
  targetColumns: TargetColumn[];
  inverseColumns: InverseColumn[];
  /** target columns the reverse direction cannot fill (derived ones) */
  notInvertible: string[];
  dropped: string[];
  /** source columns neither mapped nor dropped (only possible when `columns` is given) */
  unmapped: string[];
};

export type CompileOptions = {
  sourceSchema?: string;
  targetSchema?: string;
  /** the target table's columns, when known (describeTable on the service DB): their actual types */
  target?: ColumnInfo[];
};

const col = (alias: string, name: string) => `${alias}.${quoteIdent(name)}`;

export function compileTableMapping(
  table: TableMapping,
  sourceColumns: ColumnInfo[],
  options: CompileOptions = {},
): CompiledTable {
  const where = `mapping ${table.source} -> ${table.target}`;
  const byName = new Map(sourceColumns.map((c) => [c.name, c]));
  if (byName.size === 0)
    throw new ConfigError(`${where}: the source table has no columns (does it exist?)`);
  for (const c of sourceColumns) checkTypeName(c.type, `${where}: column ${c.name}`);
  const sourceType = (name: string, what: string) => {
    const found = byName.get(name);
    if (!found)
      throw new ConfigError(`${where}: ${what} "${name}" is not a column of ${table.source}`);
    return found.type;
  };
  const dropped = table.drop ?? [];
  for (const d of dropped) sourceType(d, 'dropped column');
  const columns: Record<string, ColumnMapping> =
    table.columns ??
    Object.fromEntries(
      sourceColumns
        .filter((c) => !dropped.includes(c.name))
        .map((c) => [c.name, { target: c.name }]),
    );

  const targetColumns: TargetColumn[] = [];
  const inverseColumns: InverseColumn[] = [];
  for (const [source, mapping] of Object.entries(columns)) {
    const type = sourceType(source, 'mapped column');
    const portable = byName.get(source)!.portable;
    if (dropped.includes(source))
      throw new ConfigError(`${where}: column "${source}" is both mapped and dropped`);
    const from = col(SOURCE_ALIAS, source);
    const back = col(TARGET_ALIAS, mapping.target);
    if (mapping.type === undefined) {
      targetColumns.push({
        name: mapping.target,
        sql: from,
        type,
        kind: 'column',
        sourceColumn: source,
      });
      // a legacy enum or domain is cast back by name, in the legacy DB, which has it
      inverseColumns.push({
        name: source,
        sql: portable ? `${back}::${type}` : back,
        type,
        portableSql: back,
      });
      continue;
    }
    if (!isConversionName(mapping.type)) {
      throw new ConfigError(`${where}: column "${source}": unknown conversion "${mapping.type}"`);
    }
    const conversion = CONVERSIONS[mapping.type];
    targetColumns.push({
      name: mapping.target,
      sql: conversion.forward(from, type),
      type: conversion.targetType(type),
      kind: 'column',
      sourceColumn: source,
      conversion: mapping.type,
    });
    inverseColumns.push({
      name: source,
      sql: conversion.inverse(back, type),
      type,
      portableSql: conversion.inverse(back, portable ?? type),
    });
  }
  for (const [target, sql] of Object.entries(table.derived ?? {})) {
    targetColumns.push({ name: target, sql: `(${sql})`, kind: 'derived' });
  }

  const seen = new Set<string>();
  const described = new Map((options.target ?? []).map((c) => [c.name, c]));
  for (const t of targetColumns) {
    if (seen.has(t.name))
      throw new ConfigError(`${where}: target column "${t.name}" is mapped twice`);
    seen.add(t.name);
    const actual = described.get(t.name);
    if (!actual) continue;
    t.type = checkTypeName(actual.type, `${where}: target column ${t.name}`);
    if (actual.portable) t.portable = checkTypeName(actual.portable, `${where}: ${t.name}`);
  }
  if (table.key.length === 0)
    throw new ConfigError(`${where}: key: at least one key column is needed`);
  const targetKey = table.key.map((k) => {
    sourceType(k, 'key column');
    const mapping = columns[k];
    if (!mapping)
      throw new ConfigError(
        `${where}: key column "${k}" is not carried over (dropped or not mapped)`,
      );
    return mapping.target;
  });

  return {
    source: { schema: options.sourceSchema ?? DEFAULT_SCHEMA, table: table.source },
    target: { schema: options.targetSchema ?? DEFAULT_SCHEMA, table: table.target },
    sourceKey: [...table.key],
    targetKey,
    sourceColumns: sourceColumns.map((c) => ({ ...c })),
    targetColumns,
    inverseColumns,
    notInvertible: targetColumns.filter((t) => t.kind === 'derived').map((t) => t.name),
    dropped: [...dropped],
    unmapped: sourceColumns.map((c) => c.name).filter((n) => !columns[n] && !dropped.includes(n)),
  };
}

export type Direction = 'forward' | 'reverse';

/** What one direction writes: into which table, which columns from which staged record. */
export type DirectionPlan = {
  into: { schema: string; table: string };
  conflictKey: string[];
  /**
   * the staged record's columns (`json_to_recordset(...) AS <alias>(<these>)`), by their portable
   * types: the database the record is staged in may lack the other side's enums and domains
   */
  staged: ColumnInfo[];
  stagedAlias: string;
  /** the staged record's key columns, for deletes */
  stagedKey: ColumnInfo[];
  /** the written table's columns, each with its SQL over the staged record (derived: an expression of the plan's) */
  columns: { name: string; sql: string; derived?: boolean }[];
  /** how to get the written table's key from the staged record */
  keyColumns: { name: string; sql: string }[];
  /** the alias of the written table's row in SQL that reads it (`tgt` forward, `src` reverse) */
  writtenAlias: string;
  /**
   * How to read a staged column back from the written row (SQL over `writtenAlias`), for each
   * staged column the mapping can recover: what an update that left a value out still needs.
   */
  recover: Record<string, string>;
};

/** A column as a staged record declares it: by its portable type when it has one. */
const stagedAs = (name: string, type: string, portable?: string): ColumnInfo => ({
  name,
  type: portable ?? type,
});

/**
 * A target column's value as the forward sink writes it: the staged record holds portable types,
 * and a column of a type that is not built in (the service's enum or domain) takes no value
 * without an explicit cast (there is no assignment cast from text to an enum).
 */
const writtenForward = (t: TargetColumn) => (t.portable ? `(${t.sql})::${t.type}` : t.sql);

export function directionPlan(compiled: CompiledTable, direction: Direction): DirectionPlan {
  if (direction === 'forward') {
    const staged = compiled.sourceColumns.map((c) => stagedAs(c.name, c.type, c.portable));
    return {
      into: compiled.target,
      conflictKey: compiled.targetKey,
      staged,
      stagedAlias: SOURCE_ALIAS,
      stagedKey: compiled.sourceKey.map((name) => staged.find((s) => s.name === name)!),
      columns: compiled.targetColumns.map((t) => ({
        name: t.name,
        sql: writtenForward(t),
        ...(t.kind === 'derived' ? { derived: true } : {}),
      })),
      keyColumns: compiled.targetKey.map((name) => {
        const t = compiled.targetColumns.find((c) => c.name === name)!;
        return { name, sql: writtenForward(t) };
      }),
      writtenAlias: TARGET_ALIAS,
      recover: Object.fromEntries(compiled.inverseColumns.map((c) => [c.name, c.portableSql])),
    };
  }
  const staged = compiled.targetColumns
    .filter((t) => t.kind === 'column')
    .map((t) => stagedAs(t.name, t.type!, t.portable));
  return {
    into: compiled.source,
    conflictKey: compiled.sourceKey,
    staged,
    stagedAlias: TARGET_ALIAS,
    stagedKey: compiled.targetKey.map((name) => staged.find((s) => s.name === name)!),
    columns: compiled.inverseColumns.map(({ name, sql }) => ({ name, sql })),
    keyColumns: compiled.sourceKey.map((name) =>
      compiled.inverseColumns.find((c) => c.name === name)!,
    ),
    writtenAlias: SOURCE_ALIAS,
    // a staged target column is what the forward mapping makes of the legacy row
    recover: Object.fromEntries(
      compiled.targetColumns.filter((t) => t.kind === 'column').map((t) => [t.name, t.sql]),
    ),
  };
}

// json, not jsonb: the rows are read once, in order, so building jsonb first is work for nothing
// (measured: about 15% less database CPU for a snapshot's upserts)
const recordset = (columns: ColumnInfo[], alias: string, param: string) => {
  const declared = `json_to_recordset(${param}::json) AS ${alias}(${columnDefinitions(columns)})`;
  if (!columns.some(readAsText)) return declared;
  return `(SELECT ${stagedSelect(columns, alias)} FROM ${declared}) AS ${alias}`;
};

/**
 * json and jsonb (and arrays of them) travel as their text: json_to_recordset reads a JSON `null`
 * in a json(b) column as SQL NULL, so the document `null` would arrive as no value at all.
 * Declared `text`, the document's text (which Debezium sends as a string) is taken as is and cast
 * right after.
 */
export const readAsText = (c: ColumnInfo) => /^jsonb?(\[\])*$/.test(c.type);

/** The select list that gives each staged column its type (`alias."doc"::jsonb AS "doc"`). */
export const stagedSelect = (columns: ColumnInfo[], alias: string) =>
  columns
    .map((c) =>
      readAsText(c)
        ? `${alias}.${quoteIdent(c.name)}::${c.type} AS ${quoteIdent(c.name)}`
        : `${alias}.${quoteIdent(c.name)}`,
    )
    .join(', ');

/** `"name" type, ...`: the column definition list of a staged record. */
export const columnDefinitions = (columns: ColumnInfo[]) =>
  columns
    .map(
      (c) => `${quoteIdent(c.name)} ${readAsText(c) ? c.type.replace(/^jsonb?/, 'text') : c.type}`,
    )
    .join(', ');

/**
 * `INSERT INTO <into> (...) SELECT <exprs> FROM json_to_recordset($1::json) AS src(...) ON CONFLICT (key) DO UPDATE`.
 * $1 is a JSON array of row objects keyed by the staged side's column names; one row per key
 * (the caller folds several changes of the same key into the last one first).
 */
export function renderStagedUpsert(
  compiled: CompiledTable,
  direction: Direction,
  param = '$1',
): string {
  const plan = directionPlan(compiled, direction);
  const updates = plan.columns
    .filter((c) => !plan.conflictKey.includes(c.name))
    .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
  const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  return (
    `${renderStagedInsert(compiled, direction, param)} ` +
    `ON CONFLICT (${plan.conflictKey.map(quoteIdent).join(', ')}) ${onConflict}`
  );
}

/**
 * The upsert without its `ON CONFLICT`: `INSERT INTO <into> ... SELECT ... FROM
 * json_to_recordset($1)`, for rows that are expected to be new (it fails on a key already there).
 */
export function renderStagedInsert(
  compiled: CompiledTable,
  direction: Direction,
  param = '$1',
): string {
  const plan = directionPlan(compiled, direction);
  const names = plan.columns.map((c) => quoteIdent(c.name));
  return (
    `INSERT INTO ${quoteTable(plan.into.schema, plan.into.table)} (${names.join(', ')}) ` +
    // the keys come from the other side, also into a GENERATED ALWAYS identity column (a no-op
    // on tables without one)
    `OVERRIDING SYSTEM VALUE SELECT ${plan.columns.map((c) => c.sql).join(', ')} FROM ${recordset(plan.staged, plan.stagedAlias, param)}`
  );
}

/** `DELETE FROM <into> ... USING (keys of the staged rows)`; $1 is a JSON array of key objects. */
export function renderStagedDelete(
  compiled: CompiledTable,
  direction: Direction,
  param = '$1',
): string {
  const plan = directionPlan(compiled, direction);
  const keys = plan.keyColumns.map((k) => `${k.sql} AS ${quoteIdent(k.name)}`).join(', ');
  const match = plan.conflictKey
    .map((k) => `t.${quoteIdent(k)} = k.${quoteIdent(k)}`)
    .join(' AND ');
  return (
    `DELETE FROM ${quoteTable(plan.into.schema, plan.into.table)} AS t ` +
    `USING (SELECT DISTINCT ${keys} FROM ${recordset(plan.stagedKey, plan.stagedAlias, param)}) AS k WHERE ${match}`
  );
}

/** The target rows as the legacy DB would produce them: `SELECT <target exprs> FROM <source> AS src`. */
export function renderMappedSelect(compiled: CompiledTable): string {
  const exprs = compiled.targetColumns.map((t) => `${t.sql} AS ${quoteIdent(t.name)}`);
  return `SELECT ${exprs.join(', ')} FROM ${quoteTable(compiled.source.schema, compiled.source.table)} AS ${SOURCE_ALIAS}`;
}
