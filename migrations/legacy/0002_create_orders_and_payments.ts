/**
 * Orders, their lines and their payments (docs/api.md). Foreign keys restrict deletes, which is
 * how the monolith answers 409 when a product or customer that was ordered is deleted.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('customer_id').notNullable().references('id').inTable('customers');
    t.text('status').notNullable();
    t.text('payment_status').notNullable();
    t.decimal('total', 12, 2).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_id'], 'orders_customer_id_idx');
  });

  await knex.schema.createTable('order_items', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('order_id').notNullable().references('id').inTable('orders');
    t.bigInteger('product_id').notNullable().references('id').inTable('products');
    t.integer('quantity').notNullable();
    t.decimal('unit_price', 12, 2).notNullable();
    t.index(['order_id'], 'order_items_order_id_idx');
    t.index(['product_id'], 'order_items_product_id_idx');
    t.check('?? > 0', ['quantity'], 'order_items_quantity_positive');
  });

  await knex.schema.createTable('payments', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('order_id').notNullable().references('id').inTable('orders');
    t.decimal('amount', 12, 2).notNullable();
    t.text('method').notNullable();
    t.text('status').notNullable();
    t.text('reference');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id'], 'payments_order_id_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payments');
  await knex.schema.dropTable('order_items');
  await knex.schema.dropTable('orders');
}
