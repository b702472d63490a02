/**
 * Applies a table's repair (repair-plan.ts) while writes and the sink go on, a batch of keys per
 * transaction in the written database (the service DB forward, the legacy DB reverse):
 *
 *   1. open it as a sync transaction (origin setting, replica role, the echo marker: the other
 *      direction skips what the repair writes, and the legacy fence lets it through);
 *   2. `LOCK TABLE ficus_sync_offsets IN EXCLUSIVE MODE`: every sink transaction locks its
 *      position row there (`SELECT … FOR UPDATE`, cdc/sink/apply-batch.ts) BEFORE it writes a
 *      row, so from here until COMMIT no sink writes into this database, and the one in flight
 *      has committed;
 *   3. only now read the source rows of the keys (through the verify side's key expressions);
 *   4. upsert the rows found through the mapping (the sink's own SQL, plan/mapping.ts) and delete
 *      the keys the source no longer has; COMMIT.
 *
 * Why a row written live during the repair still ends at its latest value: the sink applies each
 * key's changes in commit order. Everything it applied before step 2 committed in the source
 * before step 3 read it, so step 3 sees a state at least as new, and step 4 writes that state.
 * Changes that committed before step 3 and are not applied yet follow later and leave the row as
 * they find it in the source after them (each event carries the whole row), and changes after
 * step 3 come after the repair in the stream. Either way the last write of the key is the
 * source's last change of it. The delete of an extra row is the same argument with "no row":
 * the source has no row at step 3, so nothing applied before step 2 can have inserted one that
 * should stay, and an insert committed after step 3 is applied after the delete.
 * Debezium's incremental snapshot with `additional-conditions` would give the same order through
 * its watermarks, but it cannot delete an extra row, needs INSERT on the signal table for its
 * watermarks (Debezium's role may only read it, decision 0007), carries the key list in one
 * 2,048-character signal, and ends at a moment ficus would have to watch for; the lock is brief
 * (one batch of keys) and needs none of that.
 */
import type pg from 'pg';
import {
  directionPlan,
  readAsText,
  renderStagedUpsert,
  type ColumnInfo,
  type CompiledTable,
  type Direction,
} from '../../plan/mapping.ts';
import { quoteIdent, quoteLiteral } from '../../lib/sql.ts';
import { beginSyncTransactionSql } from '../sink/sync-origin.ts';
import { keysIn, verifySides, type Side } from './verify-sql.ts';
import { repairBatches, type TableRepair } from './repair-plan.ts';
import type { Progress } from '../../lib/progress.ts';

type Db = Pick<pg.Pool, 'query'>;

export type RepairDatabases = { legacy: pg.Pool; service: pg.Pool };

export type AppliedRepair = { copied: number; deleted: number };

/**
 * `{ key: text[], row: json text }` of the rows with the given keys (JSON array of text arrays).
 * The rows are staged as the sink stages Debezium's (plan/mapping.ts), so a json(b) column goes as
 * its text, as Debezium sends it: row_to_json would nest the document, and a document `null`
 * (or a top-level string) would not come out of the staged record as it went in.
 */
export function renderRowsJsonByKeys(side: Side, staged: ColumnInfo[] = []): string {
  const asText = staged
    .filter(readAsText)
    .map((c) => `${quoteLiteral(c.name)}, ${side.alias}.${quoteIdent(c.name)}::text`);
  const whole = `row_to_json(${side.alias})`;
  const row = asText.length
    ? `(${whole}::jsonb || jsonb_build_object(${asText.join(', ')}))`
    : whole;
  return (
    `SELECT ARRAY[${side.keys.map((k) => `(${k.sql})::text`).join(', ')}] AS key, ` +
    `${row}::text AS row FROM ${side.from} WHERE ${keysIn(side)}`
  );
}

/** Deletes the rows with the given keys (JSON array of text arrays). */
export function renderDeleteByKeys(side: Side): string {
  return `DELETE FROM ${side.from} WHERE ${keysIn(side)}`;
}

/** Which sink tables exist in the written database: without them no sink ever wrote there. */
async function sinkTables(db: Db): Promise<{ offsets: boolean; origin: boolean }> {
  const { rows } = await db.query<{ offsets: boolean; origin: boolean }>(
    `SELECT to_regclass('ficus_sync_offsets') IS NOT NULL AS offsets,
            to_regclass('ficus_sync_origin') IS NOT NULL AS origin`,
  );
  return rows[0];
}

function sidesOf(compiled: CompiledTable, direction: Direction) {
  const sides = verifySides(compiled);
  return direction === 'forward'
    ? { read: sides.legacy, write: sides.service }
    : { read: sides.service, write: sides.legacy };
}

export async function applyTableRepair(
  compiled: CompiledTable,
  repair: TableRepair,
  options: {
    dbs: RepairDatabases;
    /** the service whose sink's marker the repair writes (no echo) */
    service: string;
    batchSize?: number;
    /** how long a batch waits for the sink's lock before it fails */
    lockTimeoutMs?: number;
    progress?: Progress;
  },
): Promise<AppliedRepair> {
  const { direction } = repair;
  const [readDb, writeDb] =
    direction === 'forward'
      ? [options.dbs.legacy, options.dbs.service]
      : [options.dbs.service, options.dbs.legacy];
  const sides = sidesOf(compiled, direction);
  const upsert = renderStagedUpsert(compiled, direction);
  const select = renderRowsJsonByKeys(sides.read, directionPlan(compiled, direction).staged);
  const remove = renderDeleteByKeys(sides.write);
  const tables = await sinkTables(writeDb);
  const total: AppliedRepair = { copied: 0, deleted: 0 };
  const batches = repairBatches(repair, options.batchSize ?? 500);
  for (const [i, keys] of batches.entries()) {
    const client = await writeDb.connect();
    try {
      await client.query(beginSyncTransactionSql(options.service, { marker: tables.origin }));
      await client.query(`SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs ?? 30_000)}`);
      if (tables.offsets) await client.query('LOCK TABLE ficus_sync_offsets IN EXCLUSIVE MODE');
      const { rows } = await readDb.query<{ key: string[]; row: string }>(select, [
        JSON.stringify(keys),
      ]);
      if (rows.length) await client.query(upsert, [`[${rows.map((r) => r.row).join(',')}]`]);
      const found = new Set(rows.map((r) => JSON.stringify(r.key)));
      const gone = keys.filter((k) => !found.has(JSON.stringify(k)));
      const deleted = gone.length
        ? ((await client.query(remove, [JSON.stringify(gone)])).rowCount ?? 0)
        : 0;
      await client.query('COMMIT');
      total.copied += rows.length;
      total.deleted += deleted;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    options.progress?.step(
      `${repair.source} -> ${repair.target}: batch ${i + 1}/${batches.length}, ${total.copied} copied, ${total.deleted} deleted`,
    );
  }
  return total;
}
