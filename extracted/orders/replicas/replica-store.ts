import type { Knex } from 'knex';
import { toId, toMoney } from '../../../shop-shared/row-values.ts';
import type { ReplicaStore } from './replica-store-type.ts';

/** `customer_directory` and `product_snapshots` of the orders DB. */
export class PgReplicaStore implements ReplicaStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async getCustomer(customerId: number) {
    const row = await this.db('customer_directory')
      .select('customer_id', 'name')
      .where({ customer_id: customerId })
      .first();
    return row && { customerId: toId(row.customer_id), name: String(row.name) };
  }

  async getProducts(productIds: number[]) {
    if (productIds.length === 0) return [];
    const rows = await this.db('product_snapshots')
      .select('product_id', 'name', 'price')
      .whereIn('product_id', productIds);
    return rows.map((r) => ({
      productId: toId(r.product_id),
      name: String(r.name),
      price: toMoney(r.price),
    }));
  }
}
