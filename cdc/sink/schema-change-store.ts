/**
 * The record of the column changes the sync saw (table schema_changes, migrations/kit/0304):
 * written once per change by the worker that first sees it, read by `ficus status`, `ficus
 * report` and the gates (an open breaking change blocks every stage advance of its service).
 */
import { tableExists } from '../../lib/table-exists.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { SchemaChangeSeen } from './schema-watch.ts';
import type { SchemaChangeKind } from './schema-diff.ts';
import type { SqlRunner } from './sync-tables.ts';

export type SchemaChangeRecord = {
  id: number;
  service: string;
  direction: Direction;
  table: string;
  topic: string;
  partition: number;
  offset: string;
  column: string;
  kind: SchemaChangeKind;
  from: string | null;
  to: string | null;
  mapped: boolean;
  breaking: boolean;
  description: string;
  /** where the sync first saw it: `topic[partition]@offset` */
  position: string;
  lsn: string | null;
  firstSeenAt: string;
  resolvedAt: string | null;
};

/** Records a change unless it is recorded already; true when this call recorded it. */
export async function recordSchemaChange(
  db: SqlRunner,
  service: string,
  direction: Direction,
  seen: SchemaChangeSeen,
): Promise<boolean> {
  const { change, position } = seen;
  const { rows } = await db.query(
    `INSERT INTO schema_changes (service, direction, source_table, topic, column_name, kind,
       from_value, to_value, mapped, breaking, description, partition, kafka_offset, lsn, first_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (service, direction, source_table, description) DO NOTHING
     RETURNING id`,
    [
      service,
      direction,
      seen.table,
      seen.topic,
      change.column,
      change.kind,
      change.from ?? null,
      change.to ?? null,
      change.mapped,
      seen.breaking,
      seen.description,
      position.partition,
      position.offset,
      seen.lsn,
      seen.seenAt,
    ],
  );
  return rows.length > 0;
}

type Row = {
  id: string;
  service: string;
  direction: Direction;
  source_table: string;
  topic: string;
  column_name: string;
  kind: SchemaChangeKind;
  from_value: string | null;
  to_value: string | null;
  mapped: boolean;
  breaking: boolean;
  description: string;
  partition: number;
  kafka_offset: string;
  lsn: string | null;
  first_seen_at: Date;
  resolved_at: Date | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * Every recorded change not yet resolved, oldest first (none when the kit DB predates migration
 * 0304). No bound parameters, so knex's `raw` runs it as well as node-postgres.
 */
export async function openSchemaChanges(db: SqlRunner): Promise<SchemaChangeRecord[]> {
  if (!(await tableExists(db, 'schema_changes'))) return [];
  const { rows } = await db.query(
    `SELECT * FROM schema_changes WHERE resolved_at IS NULL ORDER BY first_seen_at, id`,
  );
  return (rows as Row[]).map((r) => ({
    id: Number(r.id),
    service: r.service,
    direction: r.direction,
    table: r.source_table,
    topic: r.topic,
    partition: r.partition,
    offset: String(r.kafka_offset),
    column: r.column_name,
    kind: r.kind,
    from: r.from_value,
    to: r.to_value,
    mapped: r.mapped,
    breaking: r.breaking,
    description: r.description,
    position: `${r.topic}[${r.partition}]@${r.kafka_offset}`,
    lsn: r.lsn,
    firstSeenAt: iso(r.first_seen_at)!,
    resolvedAt: iso(r.resolved_at),
  }));
}

/** The gate a breaking change sets: `schema: shop.products.price changed numeric → text at …`. */
export const schemaGateName = (c: SchemaChangeRecord) =>
  `schema: ${c.description} at offset ${c.position}${c.lsn ? ` (LSN ${c.lsn})` : ''}`;

/**
 * The open breaking changes of a service's direction, as the worker saw them: a worker started
 * again keeps those tables paused (the compiled baseline alone would take the changed table as
 * normal once the legacy table has its new columns) until the change is resolved.
 */
export async function openPauses(
  db: SqlRunner,
  service: string,
  direction: Direction,
): Promise<SchemaChangeSeen[]> {
  return (await openSchemaChanges(db))
    .filter((c) => c.service === service && c.direction === direction && c.breaking)
    .map((c) => ({
      topic: c.topic,
      table: c.table,
      change: {
        kind: c.kind,
        column: c.column,
        ...(c.from === null ? {} : { from: c.from }),
        ...(c.to === null ? {} : { to: c.to }),
        mapped: c.mapped,
      },
      description: c.description,
      breaking: true,
      position: { topic: c.topic, partition: c.partition, offset: c.offset },
      lsn: c.lsn,
      seenAt: new Date(c.firstSeenAt),
    }));
}

/**
 * Marks a change dealt with: its gate no longer blocks, and the running workers resume the table
 * once its mapping compiles (mapping-reload.ts); a worker started after it syncs the table.
 */
export async function resolveSchemaChange(db: SqlRunner, id: number): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE schema_changes SET resolved_at = now() WHERE id = $1 AND resolved_at IS NULL RETURNING id',
    [id],
  );
  return rows.length > 0;
}
