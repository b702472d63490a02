/**
 * Copies one chunk of a table: the legacy rows of its key range, read with `COPY (SELECT …) TO
 * STDOUT` in a short read-only transaction of their own, go straight into `COPY … FROM STDIN` of
 * the service's table, through the mapping's target expressions as `ficus verify` evaluates them
 * in the legacy database (cdc/verify/verify-sql.ts): the copy, the sink and verify cannot
 * disagree on what a row becomes.
 *
 * The service-side transaction holds the chunk's row in `ficus_copy_chunks` (claimed `FOR UPDATE
 * SKIP LOCKED`, so parallel workers never copy one chunk twice), first deletes whatever the range
 * holds in the target (a copy asked for again starts from the legacy rows alone), writes the rows,
 * records the chunk with the snapshot it was read in, and commits: all or nothing. It writes as
 * the sink does (beginSyncTransactionSql: as a replica, marked as the sync's own).
 */
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { CompiledTable } from '../../plan/mapping.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { verifySides } from '../verify/verify-sql.ts';
import { beginSyncTransactionSql } from '../sink/sync-origin.ts';
import type { KeyRange } from './chunk-ranges.ts';
import { claimChunk, markChunkCopied } from './copy-store.ts';
import type { RowRate } from './row-rate.ts';

/** How a table is read and written by range: the source and target key columns a range bounds. */
export type CopyShape = {
  compiled: CompiledTable;
  /** the single integer key column, by its source and target names; none: one chunk */
  rangeKey?: { source: string; target: string };
};

/** `<column> >= lower AND <column> < upper` (integers only, so they go in as literals: COPY takes no parameters). */
export function rangeCondition(column: string, range: KeyRange): string {
  const parts = [];
  if (range.lower !== null) parts.push(`${column} >= ${range.lower.toString()}`);
  if (range.upper !== null) parts.push(`${column} < ${range.upper.toString()}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

/**
 * The legacy side: the mapped rows of one range, as COPY text. A column copied as it is, into a
 * column of the same type, goes without verify's cast (which is a no-op for it, and costs).
 */
export function copyOutSql(shape: CopyShape, range: KeyRange): string {
  const { compiled } = shape;
  const legacy = verifySides(compiled).legacy;
  const sourceTypes = new Map(compiled.sourceColumns.map((c) => [c.name, c.type]));
  const select = compiled.targetColumns
    .map((t, i) => {
      const plain =
        t.kind === 'column' &&
        !t.conversion &&
        !t.portable &&
        sourceTypes.get(t.sourceColumn!) === t.type;
      return `${plain ? t.sql : legacy.values[i]} AS ${quoteIdent(t.name)}`;
    })
    .join(', ');
  const where = shape.rangeKey
    ? rangeCondition(`${legacy.alias}.${quoteIdent(shape.rangeKey.source)}`, range)
    : 'true';
  return `COPY (SELECT ${select} FROM ${legacy.from} WHERE ${where}) TO STDOUT`;
}

/** The service side: the statement that empties the range, and the COPY that fills it. */
export function copyInSql(shape: CopyShape, range: KeyRange): { clear: string; copy: string } {
  const { target, targetColumns } = shape.compiled;
  const table = quoteTable(target.schema, target.table);
  const where = shape.rangeKey ? rangeCondition(quoteIdent(shape.rangeKey.target), range) : 'true';
  return {
    clear: `DELETE FROM ${table} WHERE ${where}`,
    copy: `COPY ${table} (${targetColumns.map((t) => quoteIdent(t.name)).join(', ')}) FROM STDIN`,
  };
}

export type ChunkCopied = { chunk: number; rows: number; seconds: number; snapshot: string };

/**
 * Claims the next chunk of `shape`'s table no one copies and copies it; undefined when every
 * chunk is copied or being copied.
 */
export async function copyNextChunk(deps: {
  service: string;
  shape: CopyShape;
  legacy: Pool;
  target: Pool;
  rate: RowRate;
}): Promise<ChunkCopied | undefined> {
  const { service, shape } = deps;
  const source = shape.compiled.source;
  const target = await deps.target.connect();
  let broken = false;
  const onError = () => (broken = true);
  target.on('error', onError);
  try {
    await target.query(beginSyncTransactionSql(service));
    const claimed = await claimChunk(target, service, source);
    if (!claimed) {
      await target.query('COMMIT');
      return undefined;
    }
    const started = performance.now();
    const { clear, copy } = copyInSql(shape, claimed);
    await target.query(clear);
    const { rows, snapshot } = await readInto(deps, target, copyOutSql(shape, claimed), copy);
    const seconds = (performance.now() - started) / 1000;
    await markChunkCopied(target, service, source, {
      chunk: claimed.chunk,
      rows,
      snapshot,
      seconds,
    });
    await target.query('COMMIT');
    return { chunk: claimed.chunk, rows, seconds, snapshot };
  } catch (error) {
    // thrown away, not rolled back: a COPY cut off mid-stream leaves the connection in no state
    // to take another statement; the server rolls the transaction back when it closes
    broken = true;
    throw error;
  } finally {
    target.off('error', onError);
    target.release(broken);
  }
}

/**
 * The legacy side of a chunk: one read-only REPEATABLE READ transaction, whose snapshot (taken by
 * its first statement) is both the one reported and the one COPY reads in. It lasts as long as
 * the chunk's rows take to stream: the longest transaction a copy holds on the legacy database.
 */
async function readInto(
  deps: { legacy: Pool; rate: RowRate },
  target: PoolClient,
  copyOut: string,
  copyIn: string,
): Promise<{ rows: number; snapshot: string }> {
  const legacy = await deps.legacy.connect();
  let broken = false;
  const onError = () => (broken = true);
  legacy.on('error', onError);
  try {
    await legacy.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await legacy.query<{ snapshot: string }>(
      'SELECT pg_current_snapshot()::text AS snapshot',
    );
    const into = target.query(copyFrom(copyIn));
    await pipeline(legacy.query(copyTo(copyOut)), deps.rate.throttle(), into);
    await legacy.query('COMMIT');
    return { rows: into.rowCount, snapshot: rows[0].snapshot };
  } catch (error) {
    broken = true; // a COPY cut off mid-stream leaves the connection in no state to reuse
    throw error;
  } finally {
    legacy.off('error', onError);
    legacy.release(broken);
  }
}
