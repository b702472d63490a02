import type { FakeOrderStore } from '../../../shop-shared/orders/fake-order-store.ts';
import type { FakeReplicaStore } from '../replicas/fake-replica-store.ts';
import { assembleOrderDetails } from './order-details.ts';
import type { LocalOrderReadModel } from './order-read-model-type.ts';

/** The local read model over fake stores, assembled by the same function as the real one. */
export class FakeLocalOrderReadModel implements LocalOrderReadModel {
  private readonly orders: FakeOrderStore;
  private readonly replicas: FakeReplicaStore;

  constructor(stores: { orders: FakeOrderStore; replicas: FakeReplicaStore }) {
    this.orders = stores.orders;
    this.replicas = stores.replicas;
  }

  async get(id: number) {
    const row = this.orders.rows.get(id);
    if (!row) return undefined;
    const order = {
      ...row,
      customer_id: row.customerId,
      payment_status: row.paymentStatus,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    };
    const items = row.items.map((item, i) => ({
      id: row.itemIds[i],
      product_id: item.productId,
      quantity: item.quantity,
      unit_price: item.unitPrice,
    }));
    const customers = new Map(
      [...this.replicas.customers.values()].map((c) => [c.customerId, c.name]),
    );
    const products = new Map(
      [...this.replicas.products.values()].map((p) => [p.productId, p.name]),
    );
    return assembleOrderDetails(order, items, customers, products);
  }

  async isProductOrdered(productId: number) {
    return [...this.orders.rows.values()].some((o) =>
      o.items.some((i) => i.productId === productId),
    );
  }
}
