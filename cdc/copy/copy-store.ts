/**
 * Where a bulk initial copy keeps its state: in the database it writes (the service's), beside
 * the sink's positions, so that a chunk's rows and the record that they are there commit in one
 * transaction. A crash loses at most the chunks in flight, which are copied again from scratch.
 *
 * - `ficus_copy_tables`: one row per table to copy, `requested` by `ficus connectors apply`
 *   (before its connector exists), `copying` once cut into chunks, `done` with the LSN past which
 *   no change event can be in the copy (`finish_lsn`);
 * - `ficus_copy_chunks`: the key ranges of a table; a chunk is copied when it has the snapshot it
 *   was read in, which tells the sink which change events the copy already holds.
 */
import { tableExists } from '../../lib/table-exists.ts';
import type { Pool, PoolClient } from 'pg';
import type { QualifiedTable } from '../../plan/qualified-table.ts';
import type { KeyRange } from './chunk-ranges.ts';
import { hasSyncOffsets, type SqlRunner } from '../sink/sync-tables.ts';
import { buildDeferredIndexes, deferIndexes, type DeferredIndex } from './deferred-indexes.ts';

export const COPY_DDL = `
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('ficus_copy_bookkeeping'));
CREATE TABLE IF NOT EXISTS ficus_copy_tables (
  service text NOT NULL,
  source_schema text NOT NULL,
  source_table text NOT NULL,
  state text NOT NULL CHECK (state IN ('requested', 'copying', 'done')),
  -- the replication slot of the connector whose stream follows the copy
  slot text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  estimated_rows bigint,
  rows_copied bigint NOT NULL DEFAULT 0,
  finish_lsn pg_lsn,
  -- the target's secondary indexes dropped for the copy, built again when it is done
  deferred_indexes jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (service, source_schema, source_table)
);
CREATE TABLE IF NOT EXISTS ficus_copy_chunks (
  service text NOT NULL,
  source_schema text NOT NULL,
  source_table text NOT NULL,
  chunk integer NOT NULL,
  lower numeric,
  upper numeric,
  rows bigint,
  snapshot text,
  seconds double precision,
  copied_at timestamptz,
  PRIMARY KEY (service, source_schema, source_table, chunk)
);
COMMIT;`;

export type CopyState = 'requested' | 'copying' | 'done';

export type CopyTableRow = {
  source: QualifiedTable;
  state: CopyState;
  slot: string;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  estimatedRows: number | null;
  rowsCopied: number;
  finishLsn: string | null;
  chunks: number;
  chunksCopied: number;
};

export type CopiedChunk = KeyRange & { chunk: number; snapshot: string };

/**
 * Asks for a copy of `tables` (the forward connector is about to start without a snapshot of
 * them). A table asked for again (its connector made anew) forgets its earlier copy.
 */
export async function requestCopies(
  client: Pick<PoolClient, 'query'>,
  service: string,
  slot: string,
  tables: QualifiedTable[],
): Promise<void> {
  await client.query(COPY_DDL);
  try {
    await client.query('BEGIN');
    for (const t of tables) {
      const key = [service, t.schema, t.table];
      await client.query(
        'DELETE FROM ficus_copy_chunks WHERE service = $1 AND source_schema = $2 AND source_table = $3',
        key,
      );
      await client.query(
        `INSERT INTO ficus_copy_tables (service, source_schema, source_table, slot, state) VALUES ($1, $2, $3, $4, 'requested')
         ON CONFLICT (service, source_schema, source_table) DO UPDATE SET state = 'requested', slot = $4,
           requested_at = now(), started_at = NULL, finished_at = NULL, estimated_rows = NULL,
           rows_copied = 0, finish_lsn = NULL, deferred_indexes = '[]'`,
        [...key, slot],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The copies of a service, with how many chunks each has and has copied. */
export async function readCopies(db: SqlRunner, service: string): Promise<CopyTableRow[]> {
  if (!(await tableExists(db, 'ficus_copy_tables'))) return []; // no copy ever asked for here
  const { rows } = await db.query(
    `SELECT t.*, t.finish_lsn::text AS finish_lsn,
            (SELECT count(*) FROM ficus_copy_chunks c WHERE c.service = t.service
               AND c.source_schema = t.source_schema AND c.source_table = t.source_table)::int AS chunks,
            (SELECT count(*) FROM ficus_copy_chunks c WHERE c.service = t.service
               AND c.source_schema = t.source_schema AND c.source_table = t.source_table
               AND c.snapshot IS NOT NULL)::int AS chunks_copied,
            (SELECT coalesce(sum(rows), 0) FROM ficus_copy_chunks c WHERE c.service = t.service
               AND c.source_schema = t.source_schema AND c.source_table = t.source_table)::bigint AS chunk_rows
       FROM ficus_copy_tables t WHERE t.service = $1 ORDER BY t.source_schema, t.source_table`,
    [service],
  );
  return (rows as RawCopyRow[]).map((r) => ({
    source: { schema: r.source_schema, table: r.source_table },
    state: r.state,
    slot: r.slot,
    requestedAt: r.requested_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    estimatedRows: r.estimated_rows === null ? null : Number(r.estimated_rows),
    rowsCopied: Number(r.chunk_rows),
    finishLsn: r.finish_lsn,
    chunks: r.chunks,
    chunksCopied: r.chunks_copied,
  }));
}

type RawCopyRow = {
  source_schema: string;
  source_table: string;
  state: CopyState;
  slot: string;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  estimated_rows: string | null;
  chunk_rows: string;
  finish_lsn: string | null;
  chunks: number;
  chunks_copied: number;
};

/** The copied chunks of a table, in key order: what the sink's copy filter is built from. */
export async function readCopiedChunks(
  db: SqlRunner,
  service: string,
  source: QualifiedTable,
): Promise<CopiedChunk[]> {
  const { rows } = await db.query(
    `SELECT chunk, lower::text AS lower, upper::text AS upper, snapshot FROM ficus_copy_chunks
      WHERE service = $1 AND source_schema = $2 AND source_table = $3 ORDER BY chunk`,
    [service, source.schema, source.table],
  );
  return (
    rows as { chunk: number; lower: string | null; upper: string | null; snapshot: string }[]
  ).map((r) => ({
    chunk: r.chunk,
    lower: r.lower === null ? null : BigInt(r.lower),
    upper: r.upper === null ? null : BigInt(r.upper),
    snapshot: r.snapshot,
  }));
}

/**
 * The sink checks in each transaction, after locking its position, whether its table is held for
 * a copy (apply-batch.ts). A sink transaction that checked before the request committed may still
 * be applying: this waits for every one under way (EXCLUSIVE conflicts with the row locks they
 * hold) and keeps new ones waiting until the cut commits, so every event the sink applied
 * committed before any chunk's snapshot, and the chunks, read later, hold rows at least as new.
 */
async function waitOutSinkTransactions(client: Pick<PoolClient, 'query'>): Promise<void> {
  if (await hasSyncOffsets(client))
    await client.query('LOCK TABLE ficus_sync_offsets IN EXCLUSIVE MODE');
}

/**
 * Cuts a requested table into its chunks, once: the table's row is locked, so of several workers
 * only the first cuts, and the others find it `copying`. Returns whether this call cut it.
 */
export async function startCopy(
  client: PoolClient,
  service: string,
  source: QualifiedTable,
  target: QualifiedTable,
  cut: () => Promise<{ ranges: KeyRange[]; estimatedRows: number }>,
): Promise<boolean> {
  const key = [service, source.schema, source.table];
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ state: CopyState }>(
      'SELECT state FROM ficus_copy_tables WHERE service = $1 AND source_schema = $2 AND source_table = $3 FOR UPDATE',
      key,
    );
    if (rows[0]?.state !== 'requested') {
      await client.query('COMMIT');
      return false;
    }
    await waitOutSinkTransactions(client);
    const { ranges, estimatedRows } = await cut();
    const deferred = await deferIndexes(client, target);
    for (const [chunk, range] of ranges.entries())
      await client.query(
        `INSERT INTO ficus_copy_chunks (service, source_schema, source_table, chunk, lower, upper)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [...key, chunk, range.lower?.toString() ?? null, range.upper?.toString() ?? null],
      );
    await client.query(
      `UPDATE ficus_copy_tables SET state = 'copying', started_at = now(), estimated_rows = $4,
         deferred_indexes = $5 WHERE service = $1 AND source_schema = $2 AND source_table = $3`,
      [...key, estimatedRows, JSON.stringify(deferred)],
    );
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A chunk no other worker is copying, locked for this transaction; undefined when none is left. */
export async function claimChunk(
  client: PoolClient,
  service: string,
  source: QualifiedTable,
): Promise<(KeyRange & { chunk: number }) | undefined> {
  const { rows } = await client.query<{
    chunk: number;
    lower: string | null;
    upper: string | null;
  }>(
    `SELECT chunk, lower::text AS lower, upper::text AS upper FROM ficus_copy_chunks
      WHERE service = $1 AND source_schema = $2 AND source_table = $3 AND snapshot IS NULL
      ORDER BY chunk LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [service, source.schema, source.table],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    chunk: r.chunk,
    lower: r.lower === null ? null : BigInt(r.lower),
    upper: r.upper === null ? null : BigInt(r.upper),
  };
}

/** Records a chunk as copied, in the transaction that wrote its rows. */
export async function markChunkCopied(
  client: PoolClient,
  service: string,
  source: QualifiedTable,
  chunk: { chunk: number; rows: number; snapshot: string; seconds: number },
): Promise<void> {
  await client.query(
    `UPDATE ficus_copy_chunks SET rows = $5, snapshot = $6, seconds = $7, copied_at = now()
      WHERE service = $1 AND source_schema = $2 AND source_table = $3 AND chunk = $4`,
    [service, source.schema, source.table, chunk.chunk, chunk.rows, chunk.snapshot, chunk.seconds],
  );
}

/**
 * Marks a table done when every chunk is copied: `finishLsn` is a WAL position taken after the
 * last chunk's snapshot, so every transaction a chunk saw committed below it. Returns whether the
 * table is (now) done.
 */
export async function finishCopy(
  db: Pool,
  service: string,
  source: QualifiedTable,
  finishLsn: () => Promise<string>,
): Promise<boolean> {
  const key = [service, source.schema, source.table];
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      state: CopyState;
      left: number;
      deferred_indexes: DeferredIndex[];
    }>(
      `SELECT state, deferred_indexes, (SELECT count(*) FROM ficus_copy_chunks c WHERE c.service = t.service
                        AND c.source_schema = t.source_schema AND c.source_table = t.source_table
                        AND c.snapshot IS NULL)::int AS left
         FROM ficus_copy_tables t WHERE service = $1 AND source_schema = $2 AND source_table = $3 FOR UPDATE`,
      key,
    );
    const row = rows[0];
    if (!row || row.state !== 'copying' || row.left > 0) {
      await client.query('COMMIT');
      return row?.state === 'done';
    }
    await buildDeferredIndexes(client, row.deferred_indexes);
    await client.query(
      `UPDATE ficus_copy_tables SET state = 'done', finished_at = now(), finish_lsn = $4::pg_lsn,
         rows_copied = (SELECT coalesce(sum(rows), 0) FROM ficus_copy_chunks c WHERE c.service = $1
                          AND c.source_schema = $2 AND c.source_table = $3)
        WHERE service = $1 AND source_schema = $2 AND source_table = $3`,
      [...key, await finishLsn()],
    );
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
