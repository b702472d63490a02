/** A checksum of every row of the shop tables, in key order: equal checksums mean equal data. */
import type { Knex } from 'knex';
import { SHOP_TABLES } from './seed-writer.ts';

const KEY: Record<string, string> = { inventory: 'product_id' };

export async function shopChecksums(db: Knex): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of SHOP_TABLES) {
    const key = KEY[table] ?? 'id';
    const { rows } = await db.raw(
      `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.${key}), '')) AS sum FROM ?? t`,
      [table],
    );
    sums[table] = rows[0].sum;
  }
  return sums;
}
