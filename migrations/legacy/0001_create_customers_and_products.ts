/**
 * The shop's master data: customers, products, and the stock of each product (docs/api.md).
 * Debezium captures these tables, so each has a primary key; products and inventory are replicated
 * to services with REPLICA IDENTITY FULL (0003) so that updates and deletes carry whole rows.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.bigIncrements('id').primary();
    t.text('name').notNullable();
    t.text('email').notNullable().unique();
    t.text('phone');
    t.text('address');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('products', (t) => {
    t.bigIncrements('id').primary();
    t.text('sku').notNullable().unique();
    t.text('name').notNullable();
    t.text('description');
    t.decimal('price', 12, 2).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['active'], 'products_active_idx');
  });

  await knex.schema.createTable('inventory', (t) => {
    t.bigInteger('product_id').primary().references('id').inTable('products');
    t.integer('quantity').notNullable().defaultTo(0);
    t.integer('reserved').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('?? >= 0', ['quantity'], 'inventory_quantity_not_negative');
    t.check('?? >= 0', ['reserved'], 'inventory_reserved_not_negative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inventory');
  await knex.schema.dropTable('products');
  await knex.schema.dropTable('customers');
}
