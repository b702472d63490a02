/**
 * The read model over the orders DB. Four small queries on one database (order, lines, names from
 * the two replicas) rather than joins, so that an order whose customer or product has not reached
 * the replicas yet still answers (with a null name) instead of vanishing.
 */
import type { Knex } from 'knex';
import { toId } from '../../../shop-shared/row-values.ts';
import { assembleOrderDetails, type OrderItemRowData, type OrderRowData } from './order-details.ts';
import type { LocalOrderReadModel } from './order-read-model-type.ts';

export class PgLocalOrderReadModel implements LocalOrderReadModel {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async get(id: number) {
    const order: OrderRowData | undefined = await this.db('orders')
      .select('id', 'customer_id', 'status', 'payment_status', 'total', 'created_at', 'updated_at')
      .where({ id })
      .first();
    if (!order) return undefined;
    const items: OrderItemRowData[] = await this.db('order_items')
      .select('id', 'product_id', 'quantity', 'unit_price')
      .where({ order_id: id })
      .orderBy('id');
    const productIds = [...new Set(items.map((i) => toId(i.product_id)))];
    const [customers, products] = await Promise.all([
      this.db('customer_directory')
        .select('customer_id', 'name')
        .where({ customer_id: toId(order.customer_id) }),
      productIds.length
        ? this.db('product_snapshots')
            .select('product_id', 'name')
            .whereIn('product_id', productIds)
        : [],
    ]);
    return assembleOrderDetails(
      order,
      items,
      new Map(customers.map((c) => [toId(c.customer_id), String(c.name)])),
      new Map(
        products.map((p: { product_id: unknown; name: unknown }) => [
          toId(p.product_id),
          String(p.name),
        ]),
      ),
    );
  }

  async isProductOrdered(productId: number) {
    return (
      (await this.db('order_items').select('id').where({ product_id: productId }).first()) !==
      undefined
    );
  }
}
