/**
 * What a source connector needs in its database, done with plain SQL so it is explicit and
 * idempotent: the kit schema with the heartbeat and signal tables, the publication (created or
 * re-set to exactly the captured tables), REPLICA IDENTITY FULL where the plan key is not the
 * primary key (otherwise updates and deletes would not carry the key the sink needs), and the
 * slot's lag, removal and re-snapshot signals.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { waitFor } from '../../lib/wait.ts';
import { tableKey } from '../../plan/qualified-table.ts';
import { includeEntry, type QualifiedTable, type SourceConnectorSpec } from './source-config.ts';
import { needsFullIdentity, type TableKeys } from './table-keys.ts';

type Db = Pick<pg.Client, 'query'>;

export async function ensureKitTables(db: Db, spec: SourceConnectorSpec): Promise<void> {
  const hb = quoteTable(spec.heartbeatTable.schema, spec.heartbeatTable.table);
  const signal = quoteTable(spec.signalTable.schema, spec.signalTable.table);
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(spec.kitSchema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${hb} (connector text PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now())`,
  );
  // the shape Debezium's source signalling channel expects
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${signal} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
  );
}

/**
 * Sets REPLICA IDENTITY FULL on captured tables whose plan key is not their primary key (or that
 * have none): the rule of table-keys.ts. Returns the tables changed.
 */
export async function ensureReplicaIdentity(
  db: Db,
  /** by tableKey (plan/qualified-table.ts): `public.loans` and `lending.loans` are two tables */
  keys: Map<string, string[][]>,
  tables: TableKeys[],
): Promise<string[]> {
  const changed: string[] = [];
  for (const { table, exists, primaryKey, identity } of tables) {
    const wanted = keys.get(tableKey(table)) ?? [];
    if (!exists || identity === 'f' || !needsFullIdentity(primaryKey, wanted)) continue;
    await db.query(`ALTER TABLE ${quoteTable(table.schema, table.table)} REPLICA IDENTITY FULL`);
    changed.push(`${table.schema}.${table.table}`);
  }
  return changed;
}

export async function ensurePublication(
  db: Db,
  spec: SourceConnectorSpec,
): Promise<'created' | 'updated'> {
  const list = [...spec.tables, spec.heartbeatTable, spec.signalTable]
    .map((t) => quoteTable(t.schema, t.table))
    .join(', ');
  const { rows } = await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [
    spec.publication,
  ]);
  if (rows.length) {
    await db.query(`ALTER PUBLICATION ${quoteIdent(spec.publication)} SET TABLE ${list}`);
    return 'updated';
  }
  await db.query(`CREATE PUBLICATION ${quoteIdent(spec.publication)} FOR TABLE ${list}`);
  return 'created';
}

/**
 * What Debezium's role needs, granted by ficus's role (the tables' owner, or a member of it):
 * reading the captured tables for the snapshot, writing the heartbeat and reading the signals.
 * Nothing more: it needs no ownership and no superuser (docs/decisions/0008-least-privilege.md).
 */
export async function grantCapture(db: Db, spec: SourceConnectorSpec): Promise<void> {
  const role = quoteIdent(spec.endpoint.user);
  const { rows } = await db.query<{ same: boolean }>('SELECT current_user = $1 AS same', [
    spec.endpoint.user,
  ]);
  if (rows[0]?.same) return;
  const hb = quoteTable(spec.heartbeatTable.schema, spec.heartbeatTable.table);
  const signal = quoteTable(spec.signalTable.schema, spec.signalTable.table);
  const schemas = [...new Set(spec.tables.map((t) => t.schema))];
  await db.query(`GRANT USAGE ON SCHEMA ${quoteIdent(spec.kitSchema)} TO ${role}`);
  await db.query(`GRANT SELECT, INSERT, UPDATE ON ${hb} TO ${role}`);
  await db.query(`GRANT SELECT ON ${signal} TO ${role}`);
  for (const schema of schemas)
    await db.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role}`);
  if (spec.tables.length)
    await db.query(
      `GRANT SELECT ON ${spec.tables.map((t) => quoteTable(t.schema, t.table)).join(', ')} TO ${role}`,
    );
}

export type SlotState = { slot: string; exists: boolean; active: boolean; lagBytes: number | null };

/** How far the slot's confirmed position is behind the database's current WAL position. */
export async function slotState(db: Db, slot: string): Promise<SlotState> {
  const { rows } = await db.query<{ active: boolean; lag: string | null }>(
    `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  if (!rows.length) return { slot, exists: false, active: false, lagBytes: null };
  return {
    slot,
    exists: true,
    active: rows[0].active,
    lagBytes: rows[0].lag === null ? null : Number(rows[0].lag),
  };
}

/**
 * Drops the slot once Connect has let go of it. Run as a role with REPLICATION (Debezium's):
 * ficus's own role needs none.
 */
export async function dropSlot(
  db: Db,
  spec: SourceConnectorSpec,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    `replication slot ${spec.slot} to be released`,
    async () => !(await slotState(db, spec.slot)).active,
    { timeoutMs },
  );
  await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [spec.slot],
  );
}

/** Drops the publication; run as the tables' owner (ficus's role). */
export async function dropPublication(db: Db, spec: SourceConnectorSpec): Promise<void> {
  await db.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(spec.publication)}`);
}

/**
 * Asks the running connector for an incremental snapshot of one table (Debezium signal). Debezium
 * reads each `data-collections` entry as a regular expression matched against the whole
 * `schema.table` (AbstractIncrementalSnapshotChangeEventSource.expandDataCollectionIds), as it does
 * the include list: the same escaped entry names exactly this table, not every `schemaXtable`.
 */
export async function signalSnapshot(
  db: Db,
  spec: SourceConnectorSpec,
  table: QualifiedTable,
): Promise<string> {
  const id = randomUUID();
  const signal = quoteTable(spec.signalTable.schema, spec.signalTable.table);
  const data = JSON.stringify({
    'data-collections': [includeEntry(table)],
    type: 'incremental',
  });
  await db.query(`INSERT INTO ${signal} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`, [
    id,
    data,
  ]);
  return id;
}

/** Writes the heartbeat row now, as the action query does: a change every captured stream sees. */
export async function beat(db: Db, spec: SourceConnectorSpec): Promise<void> {
  const hb = quoteTable(spec.heartbeatTable.schema, spec.heartbeatTable.table);
  await db.query(
    `INSERT INTO ${hb} (connector, beat_at) VALUES ($1, now()) ON CONFLICT (connector) DO UPDATE SET beat_at = EXCLUDED.beat_at`,
    [spec.name],
  );
}

/** Slot and publication together, for a role that may drop both (a superuser, as in tests). */
export async function dropSlotAndPublication(db: Db, spec: SourceConnectorSpec): Promise<void> {
  await dropSlot(db, spec);
  await dropPublication(db, spec);
}
