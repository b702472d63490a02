/**
 * The bookkeeping tables the sink keeps in each database it writes to:
 * - `ficus_sync_offsets`: the applied position per consumer group and topic-partition, written
 *   in the same transaction as the rows, so rows and position can never disagree (exactly-once
 *   effect). Kafka's committed offsets are only a hint for tools.
 * - `ficus_sync_origin`: the transaction ids of the sink's own writes, so the worker of the other
 *   direction can recognise (and skip) the change events they cause: no echo. See no-echo.ts.
 */
import type { PoolClient } from 'pg';
import type { Position } from './change-event.ts';

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

/** Locks the partition's position row for this transaction (creating it at -1 = "nothing yet"). */
export async function lockPosition(
  client: PoolClient,
  group: string,
  topic: string,
  partition: number,
): Promise<bigint> {
  const select = () =>
    client.query<{ next_offset: string }>(
      'SELECT next_offset FROM ficus_sync_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
      [group, topic, partition],
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
  return BigInt(rows[0].next_offset);
}

export function lsnText(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
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

export async function readPositions(
  db: { query: PoolClient['query'] },
  group: string,
): Promise<StoredPosition[]> {
  const { rows } = await db.query<{
    topic: string;
    partition: number;
    next_offset: string;
    source_lsn: string | null;
  }>(
    'SELECT topic, partition, next_offset, source_lsn FROM ficus_sync_offsets WHERE consumer_group = $1',
    [group],
  );
  return rows.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    nextOffset: r.next_offset,
    sourceLsn: r.source_lsn,
  }));
}
