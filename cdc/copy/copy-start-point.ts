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

type Waiting = { log: Logger; isStopping: () => boolean; pollMs?: number };

/** Polls `done` until it holds (true) or the copier stops (false), saying why every 20 polls. */
async function pollUntil(done: () => Promise<boolean>, why: string, w: Waiting): Promise<boolean> {
  for (let polls = 0; !(await done()); polls++) {
    if (w.isStopping()) return false;
    if (polls % 20 === 0) w.log.info(why);
    await sleep(w.pollMs ?? 500);
  }
  return true;
}

export async function waitForCopyStart(db: Db, slot: string, options: Waiting): Promise<boolean> {
  const consistent = await pollUntil(
    () => slotIsConsistent(db, slot),
    `initial copy waits for the replication slot ${slot} (its connector starting: \`ficus connectors apply\`)`,
    options,
  );
  if (!consistent) return false;
  const { rows } = await db.query<{ xmax: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax',
  );
  const passed = async () =>
    (
      await db.query<{ ok: boolean }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS ok',
        [rows[0].xmax],
      )
    ).rows[0].ok;
  return pollUntil(
    passed,
    'initial copy waits for the transactions that were running when the slot became consistent',
    options,
  );
}
