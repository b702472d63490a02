/**
 * Where a plan's table lives: its schema and name, on the legacy side and on the service side.
 * A table entry's own `sourceSchema` / `targetSchema` wins; without it the plan's `legacy.schema`
 * (default `public`) and the service's `schema` (default `public`) apply, so one service may own
 * `public.members` and `lending.loans` of the same monolith. Every part of the kit that names a
 * table (the sink, verify, the connectors, the cut-over's sequences and fence, ficus check) asks
 * here, so that no one assumes `public`, nor one schema per plan.
 */
import type { Plan, ServicePlan, TableMapping } from './plan-types.ts';

export type QualifiedTable = { schema: string; table: string };

export const DEFAULT_SCHEMA = 'public';

/** The legacy table a mapping reads. */
export function sourceTableOf(
  plan: Pick<Plan, 'legacy'>,
  mapping: Pick<TableMapping, 'source' | 'sourceSchema'>,
): QualifiedTable {
  return { schema: mapping.sourceSchema ?? plan.legacy.schema, table: mapping.source };
}

/** The service's table a mapping fills. */
export function targetTableOf(
  service: Pick<ServicePlan, 'schema'>,
  mapping: Pick<TableMapping, 'target' | 'targetSchema'>,
): QualifiedTable {
  return {
    schema: mapping.targetSchema ?? service.schema ?? DEFAULT_SCHEMA,
    table: mapping.target,
  };
}

/** `schema.table` for messages (not SQL: lib/sql.ts quotes). */
export const tableLabel = (t: QualifiedTable): string => `${t.schema}.${t.table}`;

/** A key for maps and sets of tables: no schema or table name can hold a NUL. */
export const tableKey = (t: QualifiedTable): string => `${t.schema}\0${t.table}`;
