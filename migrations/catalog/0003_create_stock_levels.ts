/**
 * A read-only replica of the monolith's `inventory` (plan: quantity -> on_hand, reserved
 * dropped). The catalog never writes it; forward sync does.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE stock_levels (
      product_id bigint      PRIMARY KEY,
      on_hand    integer     NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE stock_levels');
}
