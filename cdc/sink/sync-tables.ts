/**
 * The bookkeeping tables the sink keeps in each database it writes to:
 * - `ficus_sync_offsets`: the applied position per consumer group and topic-partition, written
 *   in the same transaction as the rows, so rows and position can never disagree (exactly-once
 *   effect). Kafka's committed offsets are only a hint for tools.
 * - `ficus_sync_origin`: the transaction ids of the sink's own writes, so the worker of the other
 *   direction can recognise (and skip) the change events they cause: no echo. See no-echo.ts.
 */
import { tableExists } from '../../lib/table-exists.ts';
import type { PoolClient } from 'pg';
import type { Position } from './change-event.ts';
import { lsnText } from '../lsn.ts';

/**
 * The sink's own tables, created by whichever worker starts first. Two workers starting at once
 * (two members of a group, or both directions) would race in CREATE TABLE IF NOT EXISTS, which is
 * not safe against a concurrent create (a unique violation in pg_type): a transaction-scoped
 * advisory lock makes them take turns.
 */
export const BOOKKEEPING_DDL = `
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('ficus_sync_bookkeeping'));
CREATE TABLE IF NOT EXISTS ficus_sync_offsets (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  source_lsn pg_lsn,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);
CREATE TABLE IF NOT EXISTS ficus_sync_origin (
  txid bigint PRIMARY KEY,
  service text,
  written_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ficus_sync_origin ADD COLUMN IF NOT EXISTS service text;
COMMIT;`;

export type StoredPosition = {
  topic: string;
  partition: number;
  nextOffset: string;
  sourceLsn: string | null;
};

/**
 * Locks the partition's position row for this transaction (creating it at -1 = "nothing yet").
 * Given `copyOf`, the same round trip also tells whether that table waits for its initial copy
 * (cdc/copy/copy-store.ts), read after the lock is taken.
 */
export async function lockPosition(
  client: PoolClient,
  group: string,
  topic: string,
  partition: number,
  copyOf?: { service: string; schema: string; table: string },
): Promise<{ next: bigint; held: boolean }> {
  const held = copyOf
    ? `, EXISTS (SELECT 1 FROM ficus_copy_tables WHERE service = $4 AND source_schema = $5
          AND source_table = $6 AND state <> 'done') AS held`
    : '';
  const params = [group, topic, partition];
  if (copyOf) params.push(copyOf.service, copyOf.schema, copyOf.table);
  const select = () =>
    client.query<{ next_offset: string; held?: boolean }>(
      `SELECT next_offset${held} FROM ficus_sync_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      params,
    );
  let { rows } = await select();
  if (rows.length === 0) {
    // the partition's first batch in this database: one round trip more, once
    await client.query(
      `INSERT INTO ficus_sync_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, -1)
       ON CONFLICT DO NOTHING`,
      [group, topic, partition],
    );
    ({ rows } = await select());
  }
  return { next: BigInt(rows[0].next_offset), held: rows[0].held === true };
}

/** Records the new position; the source LSN only moves forward. */
export async function storePosition(
  client: PoolClient,
  group: string,
  next: Position,
  lsn: bigint | null,
): Promise<void> {
  await client.query(
    `UPDATE ficus_sync_offsets SET next_offset = $4, updated_at = now(),
       source_lsn = CASE WHEN $5::pg_lsn IS NULL OR source_lsn > $5::pg_lsn THEN source_lsn ELSE $5::pg_lsn END
     WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
    [group, next.topic, next.partition, next.offset, lsn === null ? null : lsnText(lsn)],
  );
}

/** Runs SQL: a pg pool or client, or anything shaped like one (the report wraps knex). */
export type SqlRunner = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

/** One applied position, as stored with the rows it covers. */
export type SyncOffsetRow = {
  consumerGroup: string;
  topic: string;
  partition: number;
  /** the next offset to apply (-1: nothing yet), as text: it is a bigint */
  nextOffset: string;
  sourceLsn: string | null;
  updatedAt: Date;
  /** seconds since `updatedAt`, by the database's clock */
  ageSeconds: number;
};

/** Whether a sink ever kept positions in this database. */
export async function hasSyncOffsets(db: SqlRunner): Promise<boolean> {
  return tableExists(db, 'ficus_sync_offsets');
}

/**
 * The one reader of `ficus_sync_offsets`: the positions of one consumer group, of some topics, or
 * all of them. The table must exist (`hasSyncOffsets`).
 */
export async function readSyncOffsets(
  db: SqlRunner,
  filter: { group?: string; topics?: string[] } = {},
): Promise<SyncOffsetRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.group !== undefined) {
    params.push(filter.group);
    where.push(`consumer_group = $${params.length}`);
  }
  if (filter.topics !== undefined) {
    params.push(filter.topics);
    where.push(`topic = ANY($${params.length})`);
  }
  const { rows } = await db.query(
    `SELECT consumer_group, topic, partition, next_offset::text AS next_offset, source_lsn::text AS source_lsn,
            updated_at, extract(epoch from now() - updated_at) AS age
       FROM ficus_sync_offsets${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    params.length ? params : undefined,
  );
  return (rows as RawOffsetRow[]).map((r) => ({
    consumerGroup: r.consumer_group,
    topic: r.topic,
    partition: r.partition,
    nextOffset: r.next_offset,
    sourceLsn: r.source_lsn,
    updatedAt: new Date(r.updated_at),
    ageSeconds: Number(r.age),
  }));
}

type RawOffsetRow = {
  consumer_group: string;
  topic: string;
  partition: number;
  next_offset: string;
  source_lsn: string | null;
  updated_at: Date;
  age: string | number;
};

/** The positions of one consumer group (what a worker resumes from). */
export async function readPositions(db: SqlRunner, group: string): Promise<StoredPosition[]> {
  return (await readSyncOffsets(db, { group })).map((r) => ({
    topic: r.topic,
    partition: r.partition,
    nextOffset: r.nextOffset,
    sourceLsn: r.sourceLsn,
  }));
}
