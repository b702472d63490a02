/**
 * What ficus has created in one of a user's databases (the legacy DB, or a service's), read from
 * the catalog: its schema (`ficus_cdc`: heartbeat, signal, the fence's lease table and function)
 * and what is in it, the connectors' publications and replication slots, the write fence's
 * triggers and leases, the sink's bookkeeping tables (`ficus_sync_offsets`, `ficus_sync_origin`,
 * and the initial copy's `ficus_copy_tables`, `ficus_copy_chunks`),
 * and a fence an earlier version left in `public`. `ficus check` lists it; legacy-cleanup.ts removes it.
 */
import type pg from 'pg';
import { KIT_SCHEMA } from '../cdc/connect/source-config.ts';
import { FENCE_LEASES, FENCE_TRIGGERS, OLD_FENCE } from './legacy-fence.ts';

export type Db = Pick<pg.Client, 'query'>;

export type CreatedObject = {
  kind: 'schema' | 'table' | 'function' | 'trigger' | 'publication' | 'replication slot' | 'lease';
  /** qualified where it lives in a schema; a trigger as `<trigger> on <table>` */
  name: string;
  /** the service it is there for; none when shared */
  service?: string;
};

export const SINK_TABLES = [
  'ficus_sync_offsets',
  'ficus_sync_origin',
  // the initial copy's record (cdc/copy/copy-store.ts), beside the forward sink's positions
  'ficus_copy_chunks',
  'ficus_copy_tables',
];

/** Sink tables whose rows are each one service's: dropped only once no service has rows left. */
export const PER_SERVICE_SINK_TABLES = [
  'ficus_sync_offsets',
  'ficus_copy_chunks',
  'ficus_copy_tables',
];

/** Every publication that captures ficus's schema is a ficus connector's (source-database.ts). */
const PUBLICATIONS_SQL = `SELECT DISTINCT pubname AS name FROM pg_publication_tables WHERE schemaname = $1
  UNION SELECT pubname FROM pg_publication WHERE pubname = ANY ($2)`;

const TRIGGERS_SQL = `
SELECT format('%s on %s', t.tgname, t.tgrelid::regclass) AS name,
       split_part(encode(t.tgargs, 'escape'), '\\000', 1) AS service
  FROM pg_trigger t WHERE t.tgname = ANY ($1) ORDER BY 1`;

const SCHEMA_CONTENTS_SQL = `
SELECT 'table' AS kind, c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm')
UNION ALL
SELECT 'function', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = $1 ORDER BY 1, 2`;

/** Slot and publication names of the plan's connectors, by service, to say whose each one is. */
export type ConnectorNames = { name: string; service: string }[];

export async function createdObjects(db: Db, connectors: ConnectorNames): Promise<CreatedObject[]> {
  const whose = (name: string) => connectors.find((c) => c.name === name)?.service;
  const names = connectors.map((c) => c.name);
  const found: CreatedObject[] = [];
  const schema = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [KIT_SCHEMA]);
  if (schema.rowCount) {
    found.push({ kind: 'schema', name: KIT_SCHEMA });
    const contents = await db.query<{ kind: 'table' | 'function'; name: string }>(
      SCHEMA_CONTENTS_SQL,
      [KIT_SCHEMA],
    );
    found.push(...contents.rows);
    const leases = contents.rows.some((r) => r.name === `${KIT_SCHEMA}.fence_leases`)
      ? (await db.query<{ service: string }>(`SELECT service FROM ${FENCE_LEASES} ORDER BY 1`)).rows
      : [];
    found.push(
      ...leases.map((r) => ({
        kind: 'lease' as const,
        name: `fence lease of ${r.service}`,
        service: r.service,
      })),
    );
  }
  const publications = await db.query<{ name: string }>(PUBLICATIONS_SQL, [KIT_SCHEMA, names]);
  found.push(
    ...publications.rows.map((r) => ({
      kind: 'publication' as const,
      name: r.name,
      service: whose(r.name),
    })),
  );
  const slots = await db.query<{ name: string }>(
    `SELECT slot_name AS name FROM pg_replication_slots WHERE database = current_database() AND slot_name = ANY ($1) ORDER BY 1`,
    [[...names, ...publications.rows.map((r) => r.name)]],
  );
  found.push(
    ...slots.rows.map((r) => ({
      kind: 'replication slot' as const,
      name: r.name,
      service: whose(r.name),
    })),
  );
  const triggers = await db.query<{ name: string; service: string }>(TRIGGERS_SQL, [
    [...FENCE_TRIGGERS],
  ]);
  found.push(...triggers.rows.map((r) => ({ kind: 'trigger' as const, ...r })));
  const others = await db.query<{ kind: 'table' | 'function'; name: string }>(
    `SELECT 'table' AS kind, c.oid::regclass::text AS name FROM pg_class c WHERE c.relname = ANY ($1) AND c.relkind = 'r'
     UNION ALL SELECT 'table', to_regclass($2)::text WHERE to_regclass($2) IS NOT NULL
     UNION ALL SELECT 'function', to_regprocedure($3)::text WHERE to_regprocedure($3) IS NOT NULL`,
    [SINK_TABLES, OLD_FENCE.leases, OLD_FENCE.function],
  );
  found.push(...others.rows);
  return found;
}

/** One line per object, for a check's detail: `publication ficus_catalog_forward (catalog)`. */
export function describeCreated(objects: CreatedObject[]): string {
  return objects.map((o) => `${o.kind} ${o.name}${o.service ? ` (${o.service})` : ''}`).join('; ');
}
