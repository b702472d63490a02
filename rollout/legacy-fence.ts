/**
 * The legacy write fence. After the write cut-over a service owns its tables; the legacy copies
 * are kept current by the reverse sync alone. Any other writer (a forgotten cron job, a corner of
 * the monolith nobody knew wrote there) is refused at once, with an error that names the owning
 * service, instead of being found weeks later as diverging data.
 *
 * The sink marks its own transactions with `SET LOCAL ficus.origin = 'sync'` (cdc/sink/sync-origin.ts);
 * the trigger lets exactly those through. Row triggers cover INSERT/UPDATE/DELETE, a statement trigger TRUNCATE.
 *
 * The fence carries a lease, kept in the legacy DB itself (`public.ficus_fence_leases`: the trigger
 * cannot see the kit DB): the cut-over installs it with a lease it renews while it runs, and makes
 * it permanent after the flip. If the cut-over dies before the flip, the lease lapses and the
 * trigger lets every write through again: the monolith owns its writes within the lease, with no
 * command. A fence without a lease row, or with a NULL expiry, is permanent.
 */
import type { Knex } from 'knex';
import { SYNC_ORIGIN_SETTING, SYNC_ORIGIN_VALUE } from '../cdc/sink/sync-origin.ts';
import { quoteLiteral, quoteTable } from '../lib/sql.ts';

const triggerName = (kind: 'rows' | 'truncate') => `ficus_fence_${kind}`;

// every writer's trigger reads the lease, so every role may read it (it holds no secret)
const LEASE_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS public.ficus_fence_leases (
  service    text PRIMARY KEY,
  expires_at timestamptz -- NULL: permanent (after the flip)
);
GRANT SELECT ON public.ficus_fence_leases TO PUBLIC;`;

const FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION public.ficus_fence_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('${SYNC_ORIGIN_SETTING}', true), '') = '${SYNC_ORIGIN_VALUE}'
     OR EXISTS (SELECT 1 FROM public.ficus_fence_leases
                 WHERE service = TG_ARGV[0] AND expires_at IS NOT NULL AND expires_at <= now()) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'ficus: %.% is owned by service "%" since its write cut-over; % refused',
      TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0], TG_OP
    USING ERRCODE = '42501',
          HINT = format('write through the %s service, or roll it back first: ficus stage %s canary', TG_ARGV[0], TG_ARGV[0]);
END $$;`;

const SET_LEASE_SQL = `INSERT INTO public.ficus_fence_leases (service, expires_at)
  VALUES (?, now() + ? * interval '1 millisecond')
  ON CONFLICT (service) DO UPDATE SET expires_at = excluded.expires_at`;

/**
 * Fences `tables` for `service`: permanently, or (with `leaseMs`) until the lease lapses unless
 * renewed (`renewFenceLease`) or made permanent (`makeFencePermanent`).
 */
export async function installFence(
  db: Knex,
  service: string,
  tables: string[],
  schema = 'public',
  options: { leaseMs?: number } = {},
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(LEASE_TABLE_SQL);
    // a NULL interval gives a NULL expiry: permanent
    await trx.raw(SET_LEASE_SQL, [service, options.leaseMs ?? null]);
    await trx.raw(FUNCTION_SQL);
    for (const table of tables) {
      const qualified = quoteTable(schema, table);
      await trx.raw(`DROP TRIGGER IF EXISTS ${triggerName('rows')} ON ${qualified}`);
      await trx.raw(`DROP TRIGGER IF EXISTS ${triggerName('truncate')} ON ${qualified}`);
      await trx.raw(
        `CREATE TRIGGER ${triggerName('rows')} BEFORE INSERT OR UPDATE OR DELETE ON ${qualified} ` +
          `FOR EACH ROW EXECUTE FUNCTION public.ficus_fence_refuse_write(${quoteLiteral(service)})`,
      );
      await trx.raw(
        `CREATE TRIGGER ${triggerName('truncate')} BEFORE TRUNCATE ON ${qualified} ` +
          `FOR EACH STATEMENT EXECUTE FUNCTION public.ficus_fence_refuse_write(${quoteLiteral(service)})`,
      );
    }
  });
}

/** Pushes the fence's lease `leaseMs` into the future (only while it has one). */
export async function renewFenceLease(db: Knex, service: string, leaseMs: number): Promise<void> {
  await db.raw(
    `UPDATE public.ficus_fence_leases SET expires_at = now() + ? * interval '1 millisecond'
      WHERE service = ? AND expires_at IS NOT NULL`,
    [leaseMs, service],
  );
}

/** After the flip the fence no longer lapses. */
export async function makeFencePermanent(db: Knex, service: string): Promise<void> {
  await db.raw(`UPDATE public.ficus_fence_leases SET expires_at = NULL WHERE service = ?`, [
    service,
  ]);
}

export async function removeFence(db: Knex, tables: string[], schema = 'public'): Promise<void> {
  await db.transaction(async (trx) => {
    for (const table of tables) {
      const qualified = quoteTable(schema, table);
      await trx.raw(`DROP TRIGGER IF EXISTS ${triggerName('rows')} ON ${qualified}`);
      await trx.raw(`DROP TRIGGER IF EXISTS ${triggerName('truncate')} ON ${qualified}`);
    }
  });
}

/** The fenced tables among `tables` (those carrying the fence trigger). */
export async function fencedTables(
  db: Knex,
  tables: string[],
  schema = 'public',
): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { table: string }[] }>(
    `SELECT c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.tgname = ? AND n.nspname = ? AND c.relname = ANY(?)`,
    [triggerName('rows'), schema, tables],
  );
  return rows.map((r) => r.table);
}
