/**
 * The migration plan, as code sees it after loading and validation (plan/load-plan.ts).
 * The file format is documented in docs/plan.md; plan/shop.plan.yaml is the demo's plan.
 */

/** How one legacy column lands in the service: a rename, optionally with a type conversion. */
export type ColumnMapping = { target: string; type?: string };

export type TableMapping = {
  /** legacy table */
  source: string;
  /** schema of the legacy table, overriding the plan's `legacy.schema` for this table */
  sourceSchema?: string;
  /** table in the service's database */
  target: string;
  /** schema of the service's table, overriding the service's `schema` for this table */
  targetSchema?: string;
  /** key columns, by their source names */
  key: string[];
  /** source column -> target; omitted means "every source column, same name" */
  columns?: Record<string, ColumnMapping>;
  /** target column -> SQL expression over source columns */
  derived?: Record<string, string>;
  /** source columns deliberately not carried over */
  drop?: string[];
};

export type RouteCompare = {
  /** JSON paths ignored when comparing bodies, e.g. `$.meta.servedAt` */
  ignore?: string[];
  /** arrays compared without regard to order, by JSON path */
  unordered?: string[];
  /** numeric tolerance (absolute) for numbers */
  numericTolerance?: number;
  /** response headers compared besides status and body */
  headers?: string[];
  /**
   * Redacted before a comparison is stored or shown, besides what is by default (credentials:
   * docs/plan.md): JSON paths and `header:<name>`s, e.g. `$..email`, `header:x-tenant`
   */
  redact?: string[];
  /** Paths or `header:<name>`s opted back in from the default redaction, e.g. `$..tokenCount` */
  unredact?: string[];
};

export type RoutePlan = { method: string; path: string; compare?: RouteCompare };

export type GatePlan = {
  minComparisons?: number;
  minMatchRate?: number;
  maxVerifyAgeMinutes?: number;
  maxSyncLagMs?: number;
  maxErrorRateDelta?: number;
  maxP99Ratio?: number;
};

/**
 * How a foreign key whose parent the monolith keeps and whose child the service owns is handled
 * after the write cut-over, when the legacy child table is fenced (docs/plan.md, foreignKeys):
 * - `cascade-from-monolith`: the fence lets the key's referential action (ON DELETE CASCADE or
 *   SET NULL, run by PostgreSQL inside the parent's delete) through, and the forward sync carries
 *   the child's change to the service, so both sides end equal;
 * - `refuse`: the fence refuses it, so the monolith's delete of a parent that still has children
 *   fails; the monolith must delete the children through the service first.
 */
export type ForeignKeyHandling = 'cascade-from-monolith' | 'refuse';

/**
 * How a service's tables are first filled (docs/plan.md, initialLoad):
 * - `copy` (default): ficus's bulk copy straight from the legacy database (cdc/copy/), the
 *   connector streaming from its new slot without a snapshot;
 * - `debezium-snapshot`: Debezium's initial snapshot, through Kafka and the sink.
 */
export type InitialLoad = 'copy' | 'debezium-snapshot';

export type ServicePlan = {
  name: string;
  database: string;
  /** schema of the service's tables in its database (plan/qualified-table.ts); `public` when omitted */
  schema?: string;
  owns: TableMapping[];
  replicates: TableMapping[];
  routes: RoutePlan[];
  /** compare rules applied to every route of the service, merged under each route's own */
  compare?: RouteCompare;
  gates?: GatePlan;
  /** legacy foreign-key constraint name (on a table the service owns) -> how it is handled */
  foreignKeys?: Record<string, ForeignKeyHandling>;
  /** how the service's tables are first filled; `copy` when omitted */
  initialLoad?: InitialLoad;
};

export type Plan = {
  version: 1;
  legacy: { database: string; schema: string };
  services: ServicePlan[];
  /** the file it was read from, for error messages */
  file: string;
};
