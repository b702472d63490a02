/**
 * `price_cents` becomes bigint: the legacy `price numeric(12,2)` reaches 9,999,999,999.99, i.e.
 * 999,999,999,999 cents, and an integer column stops at 2,147,483,647 (21,474,836.47), so a
 * legacy product priced from 21,474,836.48 could not be synced (issue 15; the range check of
 * `ficus check` names such mappings, plan/mapping-ranges.ts). bigint holds every legacy price,
 * and the `cents` conversion already yields bigint. Every price in cents stays below 2^53, so
 * the service reads it back into a JS number exactly.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE products ALTER COLUMN price_cents TYPE bigint');
}

export async function down(knex: Knex): Promise<void> {
  // fails, naming the row, while a price past integer's range is stored: nothing is cut silently
  await knex.raw('ALTER TABLE products ALTER COLUMN price_cents TYPE integer');
}
