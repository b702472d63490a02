/**
 * The statements the sink runs for one table and direction, all taken from the plan's mapping
 * compiler (plan/mapping.ts): the staged `json_to_recordset` insert, upsert and delete, and the
 * update of rows an event sent only in part (plan/partial-update.ts). The sink adds only a no-op
 * guard to the upsert (see no-echo.ts) and the truncate.
 */
import {
  directionPlan,
  renderStagedDelete,
  renderStagedInsert,
  renderStagedUpsert,
  type CompiledTable,
  type Direction,
} from '../../plan/mapping.ts';
import { renderStagedPartialUpdate } from '../../plan/partial-update.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';

export type TableWriter = {
  topic: string;
  /** the table written, `schema.table`, for logs and metrics */
  table: string;
  /** the legacy table of the mapping (the one a forward initial copy reads) */
  legacyTable: { schema: string; table: string };
  /** staged column names every row must carry (the key on the side events come from) */
  keyColumns: string[];
  upsertSql: string;
  /** the upsert without `ON CONFLICT`, for rows expected to be new (insert-first.ts) */
  insertSql: string;
  deleteSql: string;
  truncateSql: string;
  /**
   * The update of rows that lack the staged columns `unchanged` (sorted), returning `{ n }` for
   * each row (1-based) not in the target; null when none of them is a staged column (then the
   * rows are whole for this table, and the upsert takes them).
   */
  partialUpdateSql(unchanged: readonly string[]): string | null;
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
  const stagedNames = new Set(plan.staged.map((c) => c.name));
  const partial = new Map<string, string | null>();
  // Rows whose mapped columns already hold these values are left alone: no write, no WAL, no
  // change event for the other direction to pick up.
  const guard = updated.length
    ? ` WHERE ROW(${updated.map((c) => `${into}.${c}`).join(', ')}) IS DISTINCT FROM ROW(${updated.map((c) => `EXCLUDED.${c}`).join(', ')})`
    : '';
  return {
    topic,
    table: `${plan.into.schema}.${plan.into.table}`,
    legacyTable: compiled.source,
    keyColumns: plan.stagedKey.map((k) => k.name),
    upsertSql: upsert + guard,
    insertSql: renderStagedInsert(compiled, direction),
    deleteSql: renderStagedDelete(compiled, direction),
    truncateSql: `TRUNCATE ${into}`,
    partialUpdateSql(unchanged) {
      const staged = unchanged.filter((name) => stagedNames.has(name));
      const id = JSON.stringify(staged);
      if (!partial.has(id))
        partial.set(
          id,
          staged.length ? renderStagedPartialUpdate(compiled, direction, staged) : null,
        );
      return partial.get(id)!;
    },
  };
}
