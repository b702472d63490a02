/**
 * Debezium (pgoutput) sends only the key of a deleted or updated row unless the table's replica
 * identity is FULL. The sync and the parity check need whole before-images of every captured
 * table (a delete of an order line must name its order, an update of a product its old price),
 * so every shop table gets FULL. The cost is more WAL per update, acceptable for a shop.
 */
import type { Knex } from 'knex';

export const CAPTURED_TABLES = [
  'customers',
  'products',
  'inventory',
  'orders',
  'order_items',
  'payments',
];

export async function up(knex: Knex): Promise<void> {
  for (const table of CAPTURED_TABLES)
    await knex.raw('ALTER TABLE ?? REPLICA IDENTITY FULL', [table]);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of CAPTURED_TABLES)
    await knex.raw('ALTER TABLE ?? REPLICA IDENTITY DEFAULT', [table]);
}
