/**
 * No echo between the two directions.
 *
 * When forward (legacy -> service) and reverse (service -> legacy) both run, a row the reverse
 * worker writes into the legacy DB is captured by the legacy connector and would come back to the
 * service: an echo, and with both directions running, an endless loop. Two guards, both cheap:
 *
 * 1. Marker (prevents loops): every sink transaction records its own transaction id (32-bit xid,
 *    what Debezium reports as `source.txId`) in `ficus_sync_origin` of the database it writes to,
 *    in the same transaction as the rows. The worker of the other direction reads from that very
 *    database; before applying a batch it asks it which of the batch's txIds are in the table and
 *    drops those events. The marker commits atomically with the rows, so by the time Debezium has
 *    published the change the marker is visible: no race, no need for the marker table to be
 *    captured, no ordering across topics. Rows are pruned after a day (xids wrap after 2^32).
 * 2. No-op suppression (belt and braces): the upsert only updates a row when a mapped column is
 *    IS DISTINCT FROM the incoming value, so a replayed or echoed identical row writes no WAL and
 *    produces no change event at all.
 */
import { tableExists } from '../../lib/table-exists.ts';
import type { Pool } from 'pg';
import { quoteLiteral } from '../../lib/sql.ts';

const UNDEFINED_TABLE = '42P01';

const XID_SQL = '(pg_current_xact_id()::text::bigint % 4294967296)';

/**
 * SQL that marks the current transaction as written by `service`'s sink (no parameters, so that
 * it can ride in one round trip with the statements that open the transaction).
 */
export function markOwnTransactionSql(service: string): string {
  return (
    `INSERT INTO ficus_sync_origin (txid, service) VALUES (${XID_SQL}, ${quoteLiteral(service)}) ` +
    'ON CONFLICT (txid) DO UPDATE SET written_at = now(), service = EXCLUDED.service'
  );
}

/** Sources known to hold the marker table (it is never dropped while a sink runs). */
const withOriginTable = new WeakSet<Pool>();

/**
 * Whether any sink ever wrote into `source` (the forward worker before any reverse one: none).
 * Asked, not tried: a query on a missing table fails, and pg's pool throws away the connection of
 * a failed query, so trying cost a new database session per batch.
 */
async function hasOriginTable(source: Pool): Promise<boolean> {
  if (withOriginTable.has(source)) return true;
  const found = await tableExists(source, 'ficus_sync_origin');
  if (found) withOriginTable.add(source);
  return found;
}

/**
 * The txIds among `txIds` that the same service's sink wrote into `source` (the events to drop).
 * Only the same service: what catalog's reverse sink writes into legacy `products` is an echo for
 * catalog's forward sink, but real news for the orders service, which replicates `products` too.
 */
export async function findOwnTransactions(
  source: Pool,
  txIds: Iterable<number>,
  service: string,
): Promise<Set<number>> {
  const ids = [...new Set(txIds)];
  if (ids.length === 0 || !(await hasOriginTable(source))) return new Set();
  try {
    const { rows } = await source.query<{ txid: string }>(
      'SELECT txid FROM ficus_sync_origin WHERE txid = ANY($1::bigint[]) AND service = $2',
      [ids, service],
    );
    return new Set(rows.map((r) => Number(r.txid)));
  } catch (error) {
    // dropped since (`ficus clean`): no sink writes there any more
    if ((error as { code?: string }).code === UNDEFINED_TABLE) {
      withOriginTable.delete(source);
      return new Set();
    }
    throw error;
  }
}

export async function pruneOrigins(db: Pool, olderThan = '1 day'): Promise<void> {
  await db.query('DELETE FROM ficus_sync_origin WHERE written_at < now() - $1::interval', [
    olderThan,
  ]);
}
