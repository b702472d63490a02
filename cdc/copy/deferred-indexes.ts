/**
 * A copy into an empty table builds its secondary indexes after the rows are in, as pg_restore
 * does: one sorted build of each index costs far less than keeping it up to date row by row
 * through millions of inserts. Only plain secondary indexes are deferred: the primary key (each
 * chunk's range delete and the sink's upserts use it), unique indexes (they are constraints the
 * rows must meet as they arrive) and indexes behind a constraint stay. Their definitions are kept
 * with the copy's record in the same transaction that drops them, and built again, in the
 * transaction that marks the copy done, so a crash at any point leaves either the index or its
 * definition. Nothing reads the table meanwhile: its sync waits for the copy, and the service
 * is not in the parallel run before its tables are verified.
 */
import type { PoolClient } from 'pg';
import type { QualifiedTable } from '../../plan/qualified-table.ts';
import { quoteTable } from '../../lib/sql.ts';

export type DeferredIndex = { name: string; definition: string };

type Client = Pick<PoolClient, 'query'>;

/** Drops the plain secondary indexes of `table` when it is empty; returns what it dropped. */
export async function deferIndexes(
  client: Client,
  table: QualifiedTable,
): Promise<DeferredIndex[]> {
  const name = quoteTable(table.schema, table.table);
  const empty = await client.query<{ empty: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM ${name}) AS empty`,
  );
  if (!empty.rows[0].empty) return [];
  const { rows } = await client.query<DeferredIndex>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT i.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY 1`,
    [name],
  );
  for (const index of rows) await client.query(`DROP INDEX ${index.name}`);
  return rows;
}

/** Builds the deferred indexes again (each only if it is not there: a finish tried twice). */
export async function buildDeferredIndexes(
  client: Client,
  indexes: DeferredIndex[],
): Promise<void> {
  if (!indexes.length) return;
  // a sort that fits in memory: the build's own setting, for this transaction only
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  for (const index of indexes)
    await client.query(index.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
}
