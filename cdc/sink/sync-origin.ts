/**
 * The sync's origin marker: every sink transaction runs with `SET LOCAL ficus.origin = 'sync'`, so
 * that what the database sees can tell the sync's writes from everyone else's. The legacy write
 * fence (rollout/legacy-fence.ts) lets exactly these through.
 */
import { markOwnTransactionSql } from './no-echo.ts';

export const SYNC_ORIGIN_SETTING = 'ficus.origin';
export const SYNC_ORIGIN_VALUE = 'sync';

/**
 * The statements that open a sync transaction, in one round trip: the origin marker setting (the
 * legacy write fence lets exactly these through once a service owns its tables), applying as a
 * replica (the target's foreign keys and triggers do not fire: each table's changes arrive on
 * topics of their own, and the source enforced them already), and, where the other direction may
 * read this database, the transaction's marker in `ficus_sync_origin` (no-echo.ts). The sink's
 * batches and `verify --repair` both write through it.
 */
export function beginSyncTransactionSql(
  service: string,
  options: { marker?: boolean } = {},
): string {
  return (
    `BEGIN; SET LOCAL ${SYNC_ORIGIN_SETTING} = '${SYNC_ORIGIN_VALUE}'; ` +
    `SET LOCAL session_replication_role = replica;` +
    (options.marker === false ? '' : ` ${markOwnTransactionSql(service)}`)
  );
}
