/**
 * Where a plan's table lives: its schema and name, on the legacy side (`legacy.schema`, default
 * `public`) and on the service side (the service's `schema`, default `public`). Every part of the
 * kit that names a table (the sink, verify, the connectors, the cut-over's sequences) asks here,
 * so that no one assumes `public`.
 */
import type { Plan, ServicePlan, TableMapping } from './plan-types.ts';

export type QualifiedTable = { schema: string; table: string };

export const DEFAULT_SCHEMA = 'public';

/** The legacy table a mapping reads. */
export function sourceTableOf(plan: Pick<Plan, 'legacy'>, mapping: TableMapping): QualifiedTable {
  return { schema: plan.legacy.schema, table: mapping.source };
}

/** The service's table a mapping fills. */
export function targetTableOf(
  service: Pick<ServicePlan, 'schema'>,
  mapping: TableMapping,
): QualifiedTable {
  return { schema: service.schema ?? DEFAULT_SCHEMA, table: mapping.target };
}

/** `schema.table` for messages (not SQL: lib/sql.ts quotes). */
export const tableLabel = (t: QualifiedTable): string => `${t.schema}.${t.table}`;
