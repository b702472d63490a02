/**
 * The legacy write fence. After the write cut-over a service owns its tables; the legacy copies
 * are kept current by the reverse sync alone. Any other writer (a forgotten cron job, a corner of
 * the monolith nobody knew wrote there) is refused at once, with an error that names the owning
 * service, instead of being found weeks later as diverging data.
 *
 * The sink marks its own transactions with `SET LOCAL ficus.origin = 'sync'` (cdc/sink/sync-origin.ts);
 * the trigger lets exactly those through. Row triggers cover INSERT/UPDATE/DELETE, a statement trigger TRUNCATE.
 *
 * What the fence needs lives in ficus's own schema of the legacy DB, `ficus_cdc` (KIT_SCHEMA, where
 * the connectors' heartbeat and signal tables already are): one schema holds everything ficus
 * creates there, so it needs no `public` schema and no right to create in one, and removing
 * ficus is one `DROP SCHEMA` (rollout/legacy-cleanup.ts). The function is SECURITY DEFINER with a
 * fixed search_path: every writer's trigger runs it, and none of them needs a grant on ficus's
 * schema to read the lease. A fence installed by an earlier version in `public` is moved there
 * by the next install (`upgradeOldFence`).
 *
 * The fence carries a lease, kept in the legacy DB itself (`ficus_cdc.fence_leases`: the trigger
 * cannot see the kit DB): the cut-over installs it with a lease it renews while it runs, and makes
 * it permanent after the flip. If the cut-over dies before the flip, the lease lapses and the
 * trigger lets every write through again: the monolith owns its writes within the lease, with no
 * command. A fence without a lease row, or with a NULL expiry, is permanent. The rollback does the
 * mirror image: it lifts the fence with a lease of its own (`suspended_until`, `suspendFence`),
 * and takes it off just before the flip; if it dies before, the fence is back within the lease.
 *
 * Foreign keys the plan hands over (`foreignKeys: { <constraint>: cascade-from-monolith }`): the
 * referential action PostgreSQL runs on a fenced child when the monolith deletes (or re-keys) a
 * parent it keeps is let through. It runs inside the parent's RI trigger (pg_trigger_depth() > 1)
 * and only a row whose parent is gone passes, changed exactly as the action would change it
 * (deleted, or its key columns set to NULL or to the parent's new key): a direct write to the
 * child, or one from another trigger of the monolith, is still refused.
 */
import type { Knex } from 'knex';
import { SYNC_ORIGIN_SETTING, SYNC_ORIGIN_VALUE } from '../cdc/sink/sync-origin.ts';
import { KIT_SCHEMA } from '../cdc/connect/source-config.ts';
import { sourceTableOf, type QualifiedTable } from '../plan/qualified-table.ts';
import type { Plan, ServicePlan } from '../plan/plan-types.ts';
import { quoteIdent, quoteLiteral, quoteTable } from '../lib/sql.ts';

export const FENCE_SCHEMA = KIT_SCHEMA;
export const FENCE_LEASES = quoteTable(FENCE_SCHEMA, 'fence_leases');
export const FENCE_FUNCTION = quoteTable(FENCE_SCHEMA, 'fence_refuse_write');
export const FENCE_TRIGGERS = ['ficus_fence_rows', 'ficus_fence_truncate'] as const;
const [ROWS_TRIGGER, TRUNCATE_TRIGGER] = FENCE_TRIGGERS;

/** What an earlier version installed in `public`. */
export const OLD_FENCE = {
  function: 'public.ficus_fence_refuse_write()',
  leases: 'public.ficus_fence_leases',
};
const { function: OLD_FUNCTION, leases: OLD_LEASES } = OLD_FENCE;

const OBJECTS_SQL = `
CREATE SCHEMA IF NOT EXISTS ${quoteIdent(FENCE_SCHEMA)};
CREATE TABLE IF NOT EXISTS ${FENCE_LEASES} (
  service    text PRIMARY KEY,
  expires_at timestamptz -- NULL: permanent (after the flip)
);
-- a rollback lifts the fence until this time, renewed while it runs (NULL: not lifted)
ALTER TABLE ${FENCE_LEASES} ADD COLUMN IF NOT EXISTS suspended_until timestamptz;`;

// TG_ARGV[0]: the owning service; TG_ARGV[1..]: the foreign keys whose actions pass
const FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION ${FENCE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  fk record;
  orphaned boolean;
  rekeyed boolean;
BEGIN
  IF coalesce(current_setting('${SYNC_ORIGIN_SETTING}', true), '') = '${SYNC_ORIGIN_VALUE}'
     OR EXISTS (SELECT 1 FROM ${FENCE_LEASES}
                 WHERE service = TG_ARGV[0]
                   AND ((expires_at IS NOT NULL AND expires_at <= now()) OR suspended_until > now())) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_LEVEL = 'ROW' AND TG_OP IN ('DELETE', 'UPDATE') AND TG_NARGS > 1 AND pg_trigger_depth() > 1 THEN
    FOR fk IN
      SELECT c.confrelid::regclass AS parent, c.confdeltype, c.confupdtype,
             array_agg(ca.attname::text ORDER BY k.ord) AS child_cols,
             string_agg(quote_ident(pa.attname), ', ' ORDER BY k.ord) AS parent_cols,
             string_agg('($1).' || quote_ident(ca.attname), ', ' ORDER BY k.ord) AS old_key,
             string_agg('($2).' || quote_ident(ca.attname), ', ' ORDER BY k.ord) AS new_key
        FROM pg_constraint c
        JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_att, parent_att, ord) ON true
        JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_att
        JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_att
       WHERE c.conrelid = TG_RELID AND c.contype = 'f' AND c.conname = ANY (TG_ARGV[1:TG_NARGS - 1])
       GROUP BY c.oid
    LOOP
      -- the action runs after the parent's row is gone: a child whose parent still exists is not cascaded
      EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s WHERE (%s) = (%s))', fk.parent, fk.parent_cols, fk.old_key)
        INTO orphaned USING OLD, NEW;
      CONTINUE WHEN orphaned IS NOT TRUE
        OR EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(OLD)) e WHERE e.key = ANY (fk.child_cols) AND e.value = 'null');
      IF TG_OP = 'DELETE' THEN
        IF fk.confdeltype = 'c' THEN RETURN OLD; END IF;
        CONTINUE;
      END IF;
      -- an UPDATE passes when it changes the key columns alone, as SET NULL or ON UPDATE CASCADE do
      CONTINUE WHEN to_jsonb(NEW) - fk.child_cols IS DISTINCT FROM to_jsonb(OLD) - fk.child_cols;
      IF NOT EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(NEW)) e WHERE e.key = ANY (fk.child_cols) AND e.value <> 'null') THEN
        IF 'n' IN (fk.confdeltype, fk.confupdtype) THEN RETURN NEW; END IF;
      ELSIF fk.confupdtype = 'c' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE (%s) = (%s))', fk.parent, fk.parent_cols, fk.new_key)
          INTO rekeyed USING OLD, NEW;
        IF rekeyed THEN RETURN NEW; END IF;
      END IF;
    END LOOP;
  END IF;
  RAISE EXCEPTION 'ficus: %.% is owned by service "%" since its write cut-over; % refused',
      TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0], TG_OP
    USING ERRCODE = '42501',
          HINT = format('write through the %s service, or roll it back first: ficus stage %s canary', TG_ARGV[0], TG_ARGV[0]);
END $$;
REVOKE ALL ON FUNCTION ${FENCE_FUNCTION}() FROM PUBLIC;`;

const SET_LEASE_SQL = `INSERT INTO ${FENCE_LEASES} (service, expires_at, suspended_until)
  VALUES (?, now() + ? * interval '1 millisecond', NULL)
  ON CONFLICT (service) DO UPDATE SET expires_at = excluded.expires_at, suspended_until = NULL`;

/** The legacy tables a service's fence covers, and the foreign keys whose actions it lets through. */
export function fenceScope(
  plan: Plan,
  service: ServicePlan,
): { tables: QualifiedTable[]; letThrough: string[] } {
  return {
    tables: service.owns.map((t) => sourceTableOf(plan, t)),
    letThrough: Object.entries(service.foreignKeys ?? {})
      .filter(([, handling]) => handling === 'cascade-from-monolith')
      .map(([constraint]) => constraint),
  };
}

async function createTriggers(trx: Knex, table: QualifiedTable, args: string[]): Promise<void> {
  const qualified = quoteTable(table.schema, table.table);
  const call = `${FENCE_FUNCTION}(${args.map(quoteLiteral).join(', ')})`;
  await dropTriggers(trx, table);
  await trx.raw(
    `CREATE TRIGGER ${ROWS_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE ON ${qualified} ` +
      `FOR EACH ROW EXECUTE FUNCTION ${call}`,
  );
  await trx.raw(
    `CREATE TRIGGER ${TRUNCATE_TRIGGER} BEFORE TRUNCATE ON ${qualified} ` +
      `FOR EACH STATEMENT EXECUTE FUNCTION ${call}`,
  );
}

/** The statements that take the fence off one table. */
export const dropFenceSql = (table: QualifiedTable): string[] =>
  FENCE_TRIGGERS.map(
    (trigger) => `DROP TRIGGER IF EXISTS ${trigger} ON ${quoteTable(table.schema, table.table)}`,
  );

async function dropTriggers(trx: Knex, table: QualifiedTable): Promise<void> {
  for (const statement of dropFenceSql(table)) await trx.raw(statement);
}

/** The fence's schema, lease table and function (idempotent). */
async function ensureFenceObjects(trx: Knex): Promise<void> {
  await trx.raw(OBJECTS_SQL);
  await trx.raw(FUNCTION_SQL);
}

/**
 * Moves a fence an earlier version installed in `public` (its function and lease table) into
 * ficus's schema: its triggers are re-created on the new function with the same service, its
 * leases copied, and the old objects dropped. Nothing to do (one catalog lookup) when there is none.
 */
export async function upgradeOldFence(db: Knex): Promise<void> {
  const { rows } = await db.raw<{ rows: { fn: string | null; leases: string | null }[] }>(
    `SELECT to_regprocedure('${OLD_FUNCTION}')::text AS fn, to_regclass('${OLD_LEASES}')::text AS leases`,
  );
  if (!rows[0].fn && !rows[0].leases) return;
  await db.transaction(async (trx) => {
    await ensureFenceObjects(trx);
    if (rows[0].leases)
      await trx.raw(
        `INSERT INTO ${FENCE_LEASES} (service, expires_at) SELECT service, expires_at FROM ${OLD_LEASES} ON CONFLICT (service) DO NOTHING`,
      );
    if (rows[0].fn) {
      const { rows: old } = await trx.raw<{ rows: (QualifiedTable & { service: string })[] }>(
        `SELECT DISTINCT n.nspname AS schema, c.relname AS table,
                split_part(encode(t.tgargs, 'escape'), '\\000', 1) AS service
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE t.tgfoid = to_regprocedure('${OLD_FUNCTION}')`,
      );
      for (const { schema, table, service } of old)
        await createTriggers(trx, { schema, table }, [service]);
      await trx.raw(`DROP FUNCTION ${OLD_FUNCTION}`);
    }
    if (rows[0].leases) await trx.raw(`DROP TABLE ${OLD_LEASES}`);
  });
}

/**
 * Fences `tables` for `service`: permanently, or (with `leaseMs`) until the lease lapses unless
 * renewed (`renewFenceLease`) or made permanent (`makeFencePermanent`). `letThrough` names the
 * foreign keys (on those tables) whose referential actions pass.
 */
export async function installFence(
  db: Knex,
  service: string,
  tables: QualifiedTable[],
  options: { leaseMs?: number; letThrough?: string[] } = {},
): Promise<void> {
  await upgradeOldFence(db);
  await db.transaction(async (trx) => {
    await ensureFenceObjects(trx);
    // a NULL interval gives a NULL expiry: permanent
    await trx.raw(SET_LEASE_SQL, [service, options.leaseMs ?? null]);
    for (const table of tables)
      await createTriggers(trx, table, [service, ...(options.letThrough ?? [])]);
  });
}

/** Pushes the fence's lease `leaseMs` into the future (only while it has one). */
export async function renewFenceLease(db: Knex, service: string, leaseMs: number): Promise<void> {
  await db.raw(
    `UPDATE ${FENCE_LEASES} SET expires_at = now() + ? * interval '1 millisecond'
      WHERE service = ? AND expires_at IS NOT NULL`,
    [leaseMs, service],
  );
}

/** After the flip the fence no longer lapses. */
export async function makeFencePermanent(db: Knex, service: string): Promise<void> {
  await upgradeOldFence(db);
  await db.raw(`UPDATE ${FENCE_LEASES} SET expires_at = NULL WHERE service = ?`, [service]);
}

/**
 * Lifts the fence for `leaseMs` unless renewed (`renewFenceSuspension`): the rollback lets the
 * monolith's writes through only while it runs, so that if it dies before the flip the fence is
 * back within the lease, the service still owning the writes, with no command.
 */
export async function suspendFence(db: Knex, service: string, leaseMs: number): Promise<void> {
  await upgradeOldFence(db);
  await db.transaction(async (trx) => {
    await ensureFenceObjects(trx);
    await trx.raw(
      `INSERT INTO ${FENCE_LEASES} (service, expires_at, suspended_until)
         VALUES (?, NULL, now() + ? * interval '1 millisecond')
         ON CONFLICT (service) DO UPDATE SET suspended_until = excluded.suspended_until`,
      [service, leaseMs],
    );
  });
}

/** Pushes a lifted fence's suspension `leaseMs` into the future (only while it is lifted). */
export async function renewFenceSuspension(
  db: Knex,
  service: string,
  leaseMs: number,
): Promise<void> {
  await db.raw(
    `UPDATE ${FENCE_LEASES} SET suspended_until = now() + ? * interval '1 millisecond'
      WHERE service = ? AND suspended_until IS NOT NULL`,
    [leaseMs, service],
  );
}

/** Takes the fence off `tables` (the lease row stays: legacy-cleanup.ts removes it). */
export async function removeFence(db: Knex, tables: QualifiedTable[]): Promise<void> {
  await db.transaction(async (trx) => {
    for (const table of tables) await dropTriggers(trx, table);
  });
}

/** The fenced tables among `tables` (those carrying the fence trigger). */
export async function fencedTables(db: Knex, tables: QualifiedTable[]): Promise<QualifiedTable[]> {
  const { rows } = await db.raw<{ rows: QualifiedTable[] }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE t.tgname = ? AND (n.nspname, c.relname) IN (SELECT * FROM unnest(?::text[], ?::text[]))
      ORDER BY 1, 2`,
    [ROWS_TRIGGER, tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  return rows;
}
