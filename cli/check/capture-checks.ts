/**
 * Change capture on one source database (the legacy DB for forward connectors, a service's DB for
 * its reverse one): wal_level, free slots and WAL senders for the connectors ficus will create,
 * a key and the right replica identity for every captured table, and a publication that covers
 * them. The key and wal_level findings are the ones `connectors apply` refuses with
 * (cdc/connect/source-prerequisites.ts).
 */
import type pg from 'pg';
import type { SourceConnectorSpec } from '../../cdc/connect/source-config.ts';
import type { PlanKey } from '../../cdc/connect/source-config.ts';
import {
  tableKeyFinding,
  walLevel,
  walLevelFinding,
} from '../../cdc/connect/source-prerequisites.ts';
import { tableKey } from '../../plan/qualified-table.ts';
import { readTableKeys, uniqueKeyFor, type TableKeys } from '../../cdc/connect/table-keys.ts';
import type { ServicePlan } from '../../plan/plan-types.ts';
import { fail, pass, type CheckResult } from './check-result.ts';
import {
  capacityChecks,
  publicationCheck,
  replicaIdentityCheck,
  type PublicationState,
  type SlotUse,
} from './capture-rules.ts';

/** The connectors ficus will run on one source database. */
export type CaptureSource = {
  /** how findings name it, e.g. `legacy database` */
  where: string;
  db: pg.Client;
  connectors: { service: ServicePlan; spec: SourceConnectorSpec }[];
};

export async function walLevelCheck(db: pg.Client, where: string): Promise<CheckResult> {
  const level = await walLevel(db);
  const finding = walLevelFinding(level, where);
  return finding
    ? fail(finding.name, finding.detail, finding.fix)
    : pass(`${where} has wal_level = logical`, 'wal_level = logical');
}

/** Slots and senders are the server's, shared by its databases: `wanted` is every slot on it. */
export async function capacityCheck(
  db: pg.Client,
  where: string,
  wanted: string[],
): Promise<CheckResult[]> {
  const { rows } = await db.query<{
    max_slots: number;
    max_senders: number;
    senders: number;
    slots: SlotUse[];
  }>(
    `SELECT current_setting('max_replication_slots')::int AS max_slots,
            current_setting('max_wal_senders')::int AS max_senders,
            (SELECT count(*)::int FROM pg_stat_replication) AS senders,
            (SELECT coalesce(json_agg(json_build_object('slot', slot_name, 'active', active)), '[]')
             FROM pg_replication_slots) AS slots`,
  );
  const r = rows[0];
  return capacityChecks(
    where,
    { maxSlots: r.max_slots, maxSenders: r.max_senders, sendersInUse: r.senders },
    r.slots,
    wanted,
  );
}

async function publicationState(
  db: pg.Client,
  name: string,
): Promise<PublicationState | undefined> {
  const { rows } = await db.query<{
    all_tables: boolean;
    publishes: string[];
    tables: { schema: string; table: string }[];
  }>(
    `SELECT p.puballtables AS all_tables,
            array_remove(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END,
              CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END,
              CASE WHEN p.pubtruncate THEN 'truncate' END], NULL) AS publishes,
            coalesce((SELECT json_agg(json_build_object('schema', schemaname, 'table', tablename))
                      FROM pg_publication_tables WHERE pubname = p.pubname), '[]') AS tables
     FROM pg_publication p WHERE p.pubname = $1`,
    [name],
  );
  if (!rows.length) return undefined;
  const r = rows[0];
  return { name, allTables: r.all_tables, publishes: r.publishes, tables: r.tables };
}

function keyCheck(where: string, keys: TableKeys, planKeys: PlanKey[]): CheckResult {
  const finding = tableKeyFinding(keys, planKeys);
  const name = `${where}: ${keys.table.schema}.${keys.table.table} has a key`;
  if (finding) return fail(`${where}: ${finding.name}`, finding.detail, finding.fix);
  if (!keys.exists) return pass(name, 'the table does not exist (see the mapping checks)');
  if (keys.primaryKey) return pass(name, `primary key (${keys.primaryKey.join(', ')})`);
  const unique = uniqueKeyFor(keys, planKeys[0].key)!;
  return pass(
    name,
    `no primary key; unique key ${unique.index} (${unique.columns.join(', ')}) is the plan's key: ficus names it to Debezium (message.key.columns)`,
  );
}

/** Every captured table of the source's connectors: its key and its replica identity. */
async function tableChecks(source: CaptureSource): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const planKeys = new Map<string, PlanKey[]>();
  const tables = new Map<string, { schema: string; table: string }>();
  const published = new Set<string>();
  for (const { spec } of source.connectors) {
    for (const [table, keys] of spec.planKeys)
      planKeys.set(table, [...(planKeys.get(table) ?? []), ...keys]);
    for (const t of spec.tables) tables.set(tableKey(t), t);
  }
  for (const { spec } of source.connectors) {
    const state = await publicationState(source.db, spec.publication);
    results.push(publicationCheck(source.where, spec.publication, state, spec.tables));
    if (state) for (const t of spec.tables) published.add(tableKey(t));
  }
  for (const [key, table] of tables) {
    const keys = await readTableKeys(source.db, table);
    const wanted = planKeys.get(key) ?? [];
    results.push(keyCheck(source.where, keys, wanted));
    const identity = replicaIdentityCheck(
      source.where,
      keys,
      wanted.map((k) => k.key),
      published.has(key),
    );
    if (identity) results.push(identity);
  }
  return results;
}

/** wal_level, then every table's key, replica identity and publication (capacity is per server). */
export async function captureChecks(source: CaptureSource): Promise<CheckResult[]> {
  if (!source.connectors.length) return [];
  return [await walLevelCheck(source.db, source.where), ...(await tableChecks(source))];
}
