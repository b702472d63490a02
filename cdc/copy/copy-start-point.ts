/**
 * When a copy may start reading: every chunk must be read in a snapshot that sees every change
 * the stream will not carry. The stream carries the transactions that commit after its
 * replication slot's consistent point, so the copy waits until
 * 1. the connector's slot exists and is consistent (`confirmed_flush_lsn` is set once it is), and
 * 2. every transaction that was running at that moment has ended (the xmin of a fresh snapshot
 *    has passed the xmax of one taken then): a transaction that committed just before the
 *    consistent point may not yet be visible to others for an instant, and a snapshot taken in
 *    that instant would miss it.
 * A transaction both in a chunk's snapshot and in the stream is skipped by the sink (copy-filter.ts).
 */
import type pg from 'pg';
import { sleep } from '../../lib/wait.ts';
import type { Logger } from '../../lib/logger.ts';

type Db = Pick<pg.Pool, 'query'>;

async function slotIsConsistent(db: Db, slot: string): Promise<boolean> {
  const { rows } = await db.query<{ ready: boolean }>(
    'SELECT confirmed_flush_lsn IS NOT NULL AS ready FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return rows[0]?.ready === true;
}

export async function waitForCopyStart(
  db: Db,
  slot: string,
  options: { log: Logger; isStopping: () => boolean; pollMs?: number },
): Promise<boolean> {
  const pollMs = options.pollMs ?? 500;
  let waited = 0;
  while (!(await slotIsConsistent(db, slot))) {
    if (options.isStopping()) return false;
    if (waited % 20 === 0)
      options.log.info(
        `initial copy waits for the replication slot ${slot} (its connector starting: \`ficus connectors apply\`)`,
      );
    waited++;
    await sleep(pollMs);
  }
  const { rows } = await db.query<{ xmax: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax',
  );
  waited = 0;
  for (;;) {
    const passed = await db.query<{ ok: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ok',
      [rows[0].xmax],
    );
    if (passed.rows[0].ok) return true;
    if (options.isStopping()) return false;
    if (waited % 20 === 0)
      options.log.info(
        'initial copy waits for the transactions that were running when the slot became consistent',
      );
    waited++;
    await sleep(pollMs);
  }
}
