/**
 * The update of rows an event sent only in part: with a table's default replica identity,
 * Debezium leaves out large (TOASTed) values an UPDATE did not change (cdc/sink/unavailable-value.ts).
 * Such a row cannot be upserted; its left-out values are what the written table holds already.
 * So the staged rows are joined to the rows they update, each left-out value is read back from
 * the written row through the mapping (`recover`: the inverse mapping forward, the forward one in
 * reverse), and the written columns are computed from that as usual, by the same expressions
 * the upsert uses. A derived column that reads a column the mapping cannot recover (a dropped one)
 * keeps its value.
 *
 *   WITH staged AS (SELECT <staged columns> FROM ROWS FROM (json_to_recordset($1::json) AS (...)) WITH ORDINALITY AS s(..., ficus_row)),
 *   found AS (SELECT src.ficus_row, <written column exprs> FROM (SELECT <staged, left-out ones recovered>
 *             FROM staged AS src JOIN <written> AS tgt ON <key>) AS src),
 *   updated AS (UPDATE <written> AS tgt SET ... FROM found WHERE <key> AND <row differs>)
 *   SELECT ficus_row AS n FROM staged WHERE ficus_row NOT IN (SELECT ficus_row FROM found)
 *
 * The statement returns the ordinals (1-based) of the staged rows whose row is not in the
 * written table: those cannot be written right (their left-out values are nowhere) and the caller
 * must say so.
 */
import { quoteIdent, quoteTable } from '../lib/sql.ts';
import {
  columnDefinitions,
  directionPlan,
  stagedSelect,
  type CompiledTable,
  type Direction,
} from './mapping.ts';

const ROW = quoteIdent('ficus_row');

/** Whether an expression of the plan may read column `name` (by word; a guess that errs on yes). */
function mayRead(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`, 'i').test(sql);
}

/**
 * The UPDATE for staged rows that lack the staged columns `unchanged` (names on the staged side);
 * $1 is a JSON array of those rows. Returns `{ n }` rows: ordinals of rows not in the written table.
 */
export function renderStagedPartialUpdate(
  compiled: CompiledTable,
  direction: Direction,
  unchanged: readonly string[],
  param = '$1',
): string {
  const plan = directionPlan(compiled, direction);
  const [staged, written] = [plan.stagedAlias, plan.writtenAlias];
  const into = quoteTable(plan.into.schema, plan.into.table);
  const lost = unchanged.filter((name) => plan.recover[name] === undefined);
  const columns = plan.columns.filter(
    (c) => !(c.derived && lost.some((name) => mayRead(c.sql, name))),
  );
  const names = plan.staged.map((c) => quoteIdent(c.name));
  const values = plan.staged.map((c) => {
    if (!unchanged.includes(c.name)) return `${staged}.${quoteIdent(c.name)}`;
    const recovered = plan.recover[c.name] ?? 'NULL';
    return `(${recovered})::${c.type} AS ${quoteIdent(c.name)}`;
  });
  const keyMatch = (alias: string) =>
    plan.conflictKey.map((k) => `${written}.${quoteIdent(k)} = ${alias}.${quoteIdent(k)}`);
  const joinOn = plan.keyColumns.map((k) => `${written}.${quoteIdent(k.name)} = ${k.sql}`);
  const found =
    `SELECT ${staged}.${ROW}, ${columns.map((c) => `${c.sql} AS ${quoteIdent(c.name)}`).join(', ')} ` +
    `FROM (SELECT ${[...values, `${staged}.${ROW}`].join(', ')} FROM staged AS ${staged} ` +
    `JOIN ${into} AS ${written} ON ${joinOn.join(' AND ')}) AS ${staged}`;
  const set = columns
    .filter((c) => !plan.conflictKey.includes(c.name))
    .map((c) => quoteIdent(c.name));
  const update = set.length
    ? `, updated AS (UPDATE ${into} AS ${written} SET ${set.map((c) => `${c} = found.${c}`).join(', ')} ` +
      `FROM found WHERE ${keyMatch('found').join(' AND ')} ` +
      `AND ROW(${set.map((c) => `${written}.${c}`).join(', ')}) IS DISTINCT FROM ROW(${set.map((c) => `found.${c}`).join(', ')}))`
    : '';
  return (
    `WITH staged AS (SELECT ${stagedSelect(plan.staged, 's')}, s.${ROW} FROM ROWS FROM (json_to_recordset(${param}::json) AS (${columnDefinitions(plan.staged)})) ` +
    `WITH ORDINALITY AS s(${[...names, ROW].join(', ')})), found AS (${found})${update} ` +
    `SELECT ${ROW} AS n FROM staged WHERE ${ROW} NOT IN (SELECT ${ROW} FROM found)`
  );
}
