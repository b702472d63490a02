/**
 * What a captured table must have for its changes to reach a sink with a key, and what replica
 * identity it needs: the one rule that `ficus check`, `connectors apply` (which refuses a keyless
 * table before it creates anything) and the preparation of the source database
 * (source-database.ts: REPLICA IDENTITY FULL) all follow.
 *
 * - A table is keyed when it has a primary key (Debezium keys its messages by it), or a unique key
 *   on exactly the plan's key columns (unique, not partial, immediate, every column NOT NULL):
 *   ficus then names those columns to Debezium (`message.key.columns`). Otherwise every change
 *   arrives without a message key and the sink dead-letters it (`message has no key`).
 * - A table needs REPLICA IDENTITY FULL when a plan key is not its primary key (or it has none):
 *   only then do updates and deletes carry the plan key's old values.
 * Pure but for readTableKeys, which reads the catalog.
 */
import type pg from 'pg';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { includeEntry, type QualifiedTable } from './source-config.ts';

export type UniqueKey = {
  index: string;
  columns: string[];
  /** not partial, immediate, valid, every column NOT NULL: a key rows can be found by */
  usable: boolean;
};

/** `d` default (the primary key), `f` full, `i` an index, `n` nothing */
export type ReplicaIdentity = 'd' | 'f' | 'i' | 'n';

export type TableKeys = {
  table: QualifiedTable;
  exists: boolean;
  primaryKey?: string[];
  uniqueKeys: UniqueKey[];
  identity?: ReplicaIdentity;
};

/** What one finding says: what is wrong, where, and the fix (SQL to run or a plan key to set). */
export type Finding = { detail: string; fix: string };

const qualified = (t: QualifiedTable) => `${t.schema}.${t.table}`;
const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((c) => b.includes(c));
const sameOrder = (a: string[], b: string[]) =>
  a.length === b.length && a.every((c, i) => c === b[i]);

export async function readTableKeys(
  db: Pick<pg.Client, 'query'>,
  table: QualifiedTable,
): Promise<TableKeys> {
  const { rows } = await db.query<{
    identity: ReplicaIdentity;
    primary_key: string[] | null;
    unique_keys: UniqueKey[];
  }>(
    `WITH t AS (
       SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')),
     idx AS (
       SELECT i.*, ic.relname AS index_name,
              ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    ORDER BY k.ord) AS columns,
              i.indpred IS NULL AND i.indexprs IS NULL AND i.indimmediate AND i.indisvalid
                AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(attnum)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  WHERE NOT a.attnotnull) AS usable
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE i.indrelid = (SELECT oid FROM t) AND i.indisunique)
     SELECT t.relreplident AS identity,
            (SELECT columns FROM idx WHERE indisprimary) AS primary_key,
            coalesce((SELECT json_agg(json_build_object('index', index_name, 'columns', columns,
                        'usable', usable) ORDER BY index_name)
                      FROM idx WHERE NOT indisprimary), '[]') AS unique_keys
     FROM t`,
    [table.schema, table.table],
  );
  if (!rows.length) return { table, exists: false, uniqueKeys: [] };
  const row = rows[0];
  return {
    table,
    exists: true,
    ...(row.primary_key ? { primaryKey: row.primary_key } : {}),
    uniqueKeys: row.unique_keys,
    identity: row.identity,
  };
}

/** The unique key that stands in for a missing primary key: one on exactly the plan's key. */
export function uniqueKeyFor(keys: TableKeys, planKey: string[]): UniqueKey | undefined {
  return keys.uniqueKeys.find((u) => u.usable && sameSet(u.columns, planKey));
}

/**
 * Why a table's changes would reach the sink without a key, with the fix; undefined when it is
 * keyed. `planKeys`: the plan's keys for this table (by the captured side's names); `planPath`:
 * where the plan names them, e.g. `services.orders.owns[0].key`.
 */
export function keylessFinding(
  keys: TableKeys,
  planKeys: { key: string[]; planPath: string }[],
): Finding | undefined {
  if (!keys.exists || keys.primaryKey) return undefined;
  const missing = planKeys.filter((p) => !uniqueKeyFor(keys, p.key));
  if (!missing.length) return undefined;
  const table = quoteTable(keys.table.schema, keys.table.table);
  const { key, planPath } = missing[0];
  const columns = key.map(quoteIdent).join(', ');
  const usable = keys.uniqueKeys.filter((u) => u.usable);
  const fixes = [
    `ALTER TABLE ${table} ADD PRIMARY KEY (${columns});`,
    `or CREATE UNIQUE INDEX ON ${table} (${columns}); with ${key.join(', ')} NOT NULL`,
    ...usable.map((u) => `or set \`${planPath}\` to its unique key [${u.columns.join(', ')}]`),
  ];
  return {
    detail:
      `${qualified(keys.table)} has no primary key and no unique key on the plan's key (${key.join(', ')}, \`${planPath}\`)` +
      (keys.uniqueKeys.length
        ? `; its unique keys: ${keys.uniqueKeys.map((u) => `${u.index} (${u.columns.join(', ')})${u.usable ? '' : ' (partial, deferrable or nullable)'}`).join(', ')}`
        : '') +
      ': its changes would reach Kafka without a message key and the sink would dead-letter every one ("message has no key")',
    fix: fixes.join(' '),
  };
}

/** REPLICA IDENTITY FULL is needed where a plan key is not the table's primary key (or it has none). */
export function needsFullIdentity(primaryKey: string[] | undefined, planKeys: string[][]): boolean {
  return !(primaryKey !== undefined && planKeys.every((k) => sameOrder(k, primaryKey)));
}

/**
 * Debezium's `message.key.columns` for the tables keyed by a unique key instead of a primary key:
 * `schema.table:a,b;...` (the table part is a regular expression, so its dots are escaped).
 */
export function messageKeyColumns(keyed: { table: QualifiedTable; key: string[] }[]): string {
  return keyed.map(({ table, key }) => `${includeEntry(table)}:${key.join(',')}`).join(';');
}
