/**
 * Writes generated rows fast: one multi-row INSERT per batch, the rows passed as one array per
 * column and unpacked by `unnest` (a handful of bind parameters whatever the batch size), then
 * moves each id sequence past the highest id written.
 */
import type { Knex } from 'knex';
import type { TableRows } from './seed-generator.ts';

export const SHOP_TABLES = [
  'customers',
  'products',
  'inventory',
  'orders',
  'order_items',
  'payments',
] as const;

const SEQUENCE_TABLES = ['customers', 'products', 'orders', 'order_items', 'payments'];

export async function insertRows(
  db: Knex,
  data: TableRows,
  options: { batchSize?: number; onBatch?: (written: number, total: number) => void } = {},
): Promise<void> {
  const batchSize = options.batchSize ?? 5_000;
  const names = data.columns.map((c) => `"${c.name}"`).join(', ');
  const unnest = data.columns.map((c) => `?::${c.type}[]`).join(', ');
  const sql = `INSERT INTO "${data.table}" (${names}) SELECT * FROM unnest(${unnest})`;
  for (let start = 0; start < data.rows.length; start += batchSize) {
    const batch = data.rows.slice(start, start + batchSize);
    const arrays = data.columns.map((_, i) => batch.map((row) => row[i]));
    await db.raw(sql, arrays as Knex.Value[]);
    options.onBatch?.(Math.min(start + batchSize, data.rows.length), data.rows.length);
  }
}

export async function resetSequences(db: Knex): Promise<void> {
  for (const table of SEQUENCE_TABLES) {
    await db.raw(
      `SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE((SELECT max(id) FROM ??), 1), (SELECT max(id) IS NOT NULL FROM ??))`,
      [table, table, table],
    );
  }
}

/** Row counts of the shop tables that hold rows. */
export async function nonEmptyTables(db: Knex): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const table of SHOP_TABLES) {
    const [{ n }] = await db(table).count<{ n: string }[]>({ n: '*' });
    if (Number(n) > 0) found[table] = Number(n);
  }
  return found;
}

export async function truncateShop(db: Knex): Promise<void> {
  await db.raw(`TRUNCATE ${SHOP_TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
}
