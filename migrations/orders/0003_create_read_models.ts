/**
 * Read-only replicas the orders service answers from, so that `GET /api/orders/:id` never reads
 * another service's database (plan: customers -> customer_directory, products ->
 * product_snapshots). Forward sync writes them; the service only reads.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE customer_directory (
      customer_id bigint PRIMARY KEY,
      name        text   NOT NULL
    )`);
  await knex.raw(`
    CREATE TABLE product_snapshots (
      product_id bigint        PRIMARY KEY,
      name       text          NOT NULL,
      price      numeric(12,2) NOT NULL
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE product_snapshots');
  await knex.raw('DROP TABLE customer_directory');
}
