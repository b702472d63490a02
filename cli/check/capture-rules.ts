/**
 * The pure judgements behind the change-capture checks (capture-checks.ts): free replication
 * slots and WAL senders for the connectors ficus will create, the replica identity each captured
 * table needs (the rule of cdc/connect/table-keys.ts), and a publication that covers what the
 * plan captures. Each returns a check result with its fix.
 */
import { needsFullIdentity, type TableKeys } from '../../cdc/connect/table-keys.ts';
import type { QualifiedTable } from '../../cdc/connect/source-config.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { fail, pass, type CheckResult } from './check-result.ts';

export type SlotUse = { slot: string; active: boolean };

/**
 * Replication slots: one per connector ficus will create (`wanted`) that does not exist yet. WAL
 * senders: one per connector that is not streaming yet (an active slot already holds its sender).
 */
export function capacityChecks(
  where: string,
  settings: { maxSlots: number; maxSenders: number; sendersInUse: number },
  slots: SlotUse[],
  wanted: string[],
): CheckResult[] {
  const existing = new Map(slots.map((s) => [s.slot, s]));
  const newSlots = wanted.filter((w) => !existing.has(w));
  const newSenders = wanted.filter((w) => !existing.get(w)?.active);
  const restart = 'then restart PostgreSQL';
  const slotDetail = `${slots.length} of max_replication_slots = ${settings.maxSlots} in use; ${newSlots.length} more needed (${newSlots.join(', ') || 'every slot ficus needs exists'})`;
  const senderDetail = `${settings.sendersInUse} of max_wal_senders = ${settings.maxSenders} in use; ${newSenders.length} more needed (${newSenders.join(', ') || 'every connector ficus needs streams'})`;
  return [
    settings.maxSlots - slots.length >= newSlots.length
      ? pass(`${where} has free replication slots`, slotDetail)
      : fail(
          `${where} has free replication slots`,
          slotDetail,
          `as a superuser: ALTER SYSTEM SET max_replication_slots = ${slots.length + newSlots.length}; ${restart} (or drop unused slots: SELECT pg_drop_replication_slot('<name>'))`,
        ),
    settings.maxSenders - settings.sendersInUse >= newSenders.length
      ? pass(`${where} has free WAL senders`, senderDetail)
      : fail(
          `${where} has free WAL senders`,
          senderDetail,
          `as a superuser: ALTER SYSTEM SET max_wal_senders = ${settings.sendersInUse + newSenders.length}; ${restart}`,
        ),
  ];
}

const IDENTITY: Record<string, string> = {
  d: 'DEFAULT',
  f: 'FULL',
  i: 'USING INDEX',
  n: 'NOTHING',
};

/**
 * FULL where a plan key is not the primary key. Before a connector publishes the table, a missing
 * FULL is not a failure: `connectors apply` sets it (as the tables' owner: the ownership check).
 * Once the table is published, it is drift that loses the plan key's old values, and NOTHING
 * makes the monolith's own UPDATEs and DELETEs fail.
 */
export function replicaIdentityCheck(
  where: string,
  keys: TableKeys,
  planKeys: string[][],
  published: boolean,
): CheckResult | undefined {
  if (!keys.exists || !keys.identity) return undefined;
  const table = `${keys.table.schema}.${keys.table.table}`;
  const name = `${where}: ${table} has the replica identity it needs`;
  const full = needsFullIdentity(keys.primaryKey, planKeys);
  const now = IDENTITY[keys.identity];
  const why = keys.primaryKey
    ? `the plan's key (${planKeys.map((k) => k.join(', ')).join('; ')}) is not the primary key (${keys.primaryKey.join(', ')})`
    : 'it has no primary key';
  const alter = `ALTER TABLE ${quoteTable(keys.table.schema, keys.table.table)} REPLICA IDENTITY`;
  if (!full) {
    if (keys.identity !== 'n') return pass(name, `${now}: the plan's key is the primary key`);
    return fail(
      name,
      `${now}: once published, the monolith's UPDATEs and DELETEs on ${table} fail`,
      `${alter} DEFAULT;`,
    );
  }
  if (keys.identity === 'f') return pass(name, `FULL (${why})`);
  if (!published) return pass(name, `${now} now; \`ficus connectors apply\` sets FULL (${why})`);
  return fail(
    name,
    `${now}, but FULL is needed (${why}): updates and deletes do not carry the plan key's old values`,
    `${alter} FULL;`,
  );
}

export type PublicationState = {
  name: string;
  allTables: boolean;
  tables: QualifiedTable[];
  /** publish = insert, update, delete, truncate: which of them */
  publishes: string[];
};

/** An existing publication must cover the captured tables and publish every operation. */
export function publicationCheck(
  where: string,
  publication: string,
  state: PublicationState | undefined,
  wanted: QualifiedTable[],
): CheckResult {
  const name = `${where}: publication ${publication} covers the captured tables`;
  if (!state) return pass(name, 'not created yet: `ficus connectors apply` creates it');
  const key = (t: QualifiedTable) => `${t.schema}.${t.table}`;
  const have = new Set(state.tables.map(key));
  const missing = state.allTables ? [] : wanted.filter((t) => !have.has(key(t)));
  const operations = ['insert', 'update', 'delete', 'truncate'];
  const unpublished = operations.filter((o) => !state.publishes.includes(o));
  if (!missing.length && !unpublished.length)
    return pass(name, `${wanted.length} table(s), every operation published`);
  const problems = [
    ...(missing.length ? [`does not publish ${missing.map(key).join(', ')}`] : []),
    ...(unpublished.length ? [`does not publish ${unpublished.join(', ')}`] : []),
  ];
  const pub = quoteIdent(publication);
  const fixes = [
    ...(missing.length
      ? [
          `ALTER PUBLICATION ${pub} ADD TABLE ${missing.map((t) => quoteTable(t.schema, t.table)).join(', ')};`,
        ]
      : []),
    ...(unpublished.length
      ? [`ALTER PUBLICATION ${pub} SET (publish = '${operations.join(', ')}');`]
      : []),
  ];
  return fail(
    name,
    `${problems.join('; ')}: those changes would never reach the sink`,
    `${fixes.join(' ')} (or \`ficus connectors apply\`, which re-sets its tables)`,
  );
}
