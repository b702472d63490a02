/**
 * Removing what ficus created for one service in one database (its connector's source DB: the
 * legacy DB for forward, the service's own DB for reverse), once the connector, its slot and its
 * publication are gone (cdc/connect/configured-connectors.ts): its rows in ficus's shared tables
 * (heartbeat, fence lease, the sink's bookkeeping), its fence when asked (`ficus clean` at
 * `complete`), and then what the service shared with others (the `ficus_cdc` schema, the sink's
 * tables, a fence an earlier version left in `public`) once nothing of ficus still needs them: no
 * connector's publication captures ficus's schema there and no table carries a fence.
 * The user's own tables are never touched.
 */
import { tableExists } from '../lib/table-exists.ts';
import type { QualifiedTable, SourceConnectorSpec } from '../cdc/connect/source-config.ts';
import { quoteIdent, quoteTable } from '../lib/sql.ts';
import { PER_SERVICE_SINK_TABLES, SINK_TABLES, type Db } from './created-objects.ts';
import { dropFenceSql, FENCE_LEASES, FENCE_TRIGGERS, OLD_FENCE } from './legacy-fence.ts';

export type CleanupOptions = {
  /** take the fence off these tables (only when the service is done with them: `complete`) */
  unfence?: QualifiedTable[];
  /** drop the sink's bookkeeping tables too once unneeded (in a service DB the forward sink's) */
  sinkTables: 'drop-if-unneeded' | 'keep';
};

/** Fence triggers for `service` still on some table (its args begin with the service's name). */
async function fencedFor(db: Db, service: string | null): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_trigger t
      WHERE t.tgname = ANY ($1) AND ($2::text IS NULL OR split_part(encode(t.tgargs, 'escape'), '\\000', 1) = $2)`,
    [[...FENCE_TRIGGERS], service],
  );
  return rows[0].n;
}

/** Whether anything of ficus in this database still needs its shared objects. */
async function sharedStillNeeded(db: Db, kitSchema: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT DISTINCT pubname AS name FROM pg_publication_tables WHERE schemaname = $1',
    [kitSchema],
  );
  if (rows.length) return `publication ${rows.map((r) => r.name).join(', ')}`;
  const fenced = await fencedFor(db, null);
  return fenced ? `${fenced} fence triggers` : null;
}

async function removeServiceRows(
  db: Db,
  spec: SourceConnectorSpec,
  removed: string[],
): Promise<void> {
  const heartbeat = quoteTable(spec.heartbeatTable.schema, spec.heartbeatTable.table);
  if (await tableExists(db, heartbeat)) {
    const r = await db.query(`DELETE FROM ${heartbeat} WHERE connector = $1`, [spec.name]);
    if (r.rowCount) removed.push(`heartbeat row of ${spec.name}`);
  }
  if ((await tableExists(db, FENCE_LEASES)) && (await fencedFor(db, spec.service)) === 0) {
    const r = await db.query(`DELETE FROM ${FENCE_LEASES} WHERE service = $1`, [spec.service]);
    if (r.rowCount) removed.push(`fence lease of ${spec.service}`);
  }
  // the sink that writes this database is the other direction's
  const group = `ficus-sync-${spec.service}-${spec.direction === 'forward' ? 'reverse' : 'forward'}`;
  if (await tableExists(db, 'ficus_sync_offsets')) {
    const r = await db.query('DELETE FROM ficus_sync_offsets WHERE consumer_group = $1', [group]);
    if (r.rowCount) removed.push(`sink positions of ${group}`);
  }
  if (await tableExists(db, 'ficus_sync_origin')) {
    const r = await db.query('DELETE FROM ficus_sync_origin WHERE service = $1', [spec.service]);
    if (r.rowCount) removed.push(`sink origin markers of ${spec.service}`);
  }
  if (await tableExists(db, 'ficus_copy_tables')) {
    await db.query('DELETE FROM ficus_copy_chunks WHERE service = $1', [spec.service]);
    const r = await db.query('DELETE FROM ficus_copy_tables WHERE service = $1', [spec.service]);
    if (r.rowCount) removed.push(`initial copy record of ${spec.service}`);
  }
}

async function removeShared(db: Db, spec: SourceConnectorSpec, options: CleanupOptions) {
  const removed: string[] = [];
  if (
    await db
      .query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [spec.kitSchema])
      .then((r) => r.rowCount)
  ) {
    await db.query(`DROP SCHEMA ${quoteIdent(spec.kitSchema)} CASCADE`);
    removed.push(`schema ${spec.kitSchema}`);
  }
  if (await tableExists(db, OLD_FENCE.leases)) {
    await db.query(`DROP TABLE ${OLD_FENCE.leases}`);
    removed.push(`table ${OLD_FENCE.leases}`);
  }
  const old = await db.query('SELECT to_regprocedure($1) IS NOT NULL AS found', [
    OLD_FENCE.function,
  ]);
  if (old.rows[0].found) {
    await db.query(`DROP FUNCTION ${OLD_FENCE.function}`);
    removed.push(`function ${OLD_FENCE.function}`);
  }
  if (options.sinkTables === 'drop-if-unneeded')
    for (const table of SINK_TABLES)
      if (await tableExists(db, table)) {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        // another group's positions, another service's copy
        if (rows[0].n > 0 && PER_SERVICE_SINK_TABLES.includes(table)) continue;
        await db.query(`DROP TABLE ${table}`);
        removed.push(`table ${table}`);
      }
  return removed;
}

/**
 * Removes what ficus made for `spec`'s service in `spec`'s source database, then the shared
 * objects if nothing else needs them. Returns what it removed, and what it kept and why.
 */
export async function cleanSourceDatabase(
  db: Db,
  spec: SourceConnectorSpec,
  options: CleanupOptions,
): Promise<{ removed: string[]; kept: string | null }> {
  const removed: string[] = [];
  for (const table of options.unfence ?? []) {
    for (const statement of dropFenceSql(table)) await db.query(statement);
    removed.push(`fence on ${table.schema}.${table.table}`);
  }
  await removeServiceRows(db, spec, removed);
  const needed = await sharedStillNeeded(db, spec.kitSchema);
  if (needed) return { removed, kept: `schema ${spec.kitSchema} stays: ${needed} still use it` };
  removed.push(...(await removeShared(db, spec, options)));
  return { removed, kept: null };
}
