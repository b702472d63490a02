/**
 * The statements the sink runs for one table and direction, all taken from the plan's mapping
 * compiler (plan/mapping.ts): the staged `json_to_recordset` upsert and delete. The sink adds
 * only a no-op guard to the upsert (see no-echo.ts) and the truncate.
 */
import {
  directionPlan,
  renderStagedDelete,
  renderStagedUpsert,
  type CompiledTable,
  type Direction,
} from '../../plan/mapping.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';

export type TableWriter = {
  topic: string;
  /** the table written, `schema.table`, for logs and metrics */
  table: string;
  /** staged column names every row must carry (the key on the side events come from) */
  keyColumns: string[];
  upsertSql: string;
  deleteSql: string;
  truncateSql: string;
};

export function buildTableWriter(
  compiled: CompiledTable,
  direction: Direction,
  topic: string,
): TableWriter {
  const plan = directionPlan(compiled, direction);
  const into = quoteTable(plan.into.schema, plan.into.table);
  const updated = plan.columns
    .filter((c) => !plan.conflictKey.includes(c.name))
    .map((c) => quoteIdent(c.name));
  const upsert = renderStagedUpsert(compiled, direction);
  // Rows whose mapped columns already hold these values are left alone: no write, no WAL, no
  // change event for the other direction to pick up.
  const guard = updated.length
    ? ` WHERE ROW(${updated.map((c) => `${into}.${c}`).join(', ')}) IS DISTINCT FROM ROW(${updated.map((c) => `EXCLUDED.${c}`).join(', ')})`
    : '';
  return {
    topic,
    table: `${plan.into.schema}.${plan.into.table}`,
    keyColumns: plan.stagedKey.map((k) => k.name),
    upsertSql: upsert + guard,
    deleteSql: renderStagedDelete(compiled, direction),
    truncateSql: `TRUNCATE ${into}`,
  };
}
