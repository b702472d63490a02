import type { FakeCustomerStore } from '../customers/fake-customer-store.ts';
import type { FakeProductStore } from '../products/fake-product-store.ts';
import { pageOffset, type PageRequest } from '../../shop-shared/pagination.ts';
import type { FakeOrderStore } from '../../shop-shared/orders/fake-order-store.ts';
import type { OrderReadModel } from './order-read-model-type.ts';
import type { OrderDetails, OrderFilter } from './order-read-types.ts';

/** The read model over the fake stores: the same joins, done in memory. */
export class FakeOrderReadModel implements OrderReadModel {
  private readonly orders: FakeOrderStore;
  private readonly customers: FakeCustomerStore;
  private readonly products: FakeProductStore;

  constructor(stores: {
    orders: FakeOrderStore;
    customers: FakeCustomerStore;
    products: FakeProductStore;
  }) {
    this.orders = stores.orders;
    this.customers = stores.customers;
    this.products = stores.products;
  }

  async get(id: number): Promise<OrderDetails | undefined> {
    const row = this.orders.rows.get(id);
    if (!row) return undefined;
    return {
      id,
      customerId: row.customerId,
      customerName: this.customers.rows.get(row.customerId)?.name ?? '',
      status: row.status,
      paymentStatus: row.paymentStatus,
      total: row.total,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      items: row.items.map((item, i) => ({
        id: row.itemIds[i],
        productId: item.productId,
        productName: this.products.rows.get(item.productId)?.name ?? '',
        quantity: item.quantity,
        unitPrice: item.unitPrice,
      })),
    };
  }

  async list(filter: OrderFilter, page: PageRequest) {
    const ids = [...this.orders.rows.values()]
      .filter((o) => filter.customerId === undefined || o.customerId === filter.customerId)
      .map((o) => o.id)
      .sort((a, b) => a - b);
    const start = pageOffset(page);
    const details = await Promise.all(
      ids.slice(start, start + page.pageSize).map((id) => this.get(id)),
    );
    const items = details.map((order) => {
      const { items: _lines, ...summary } = order!;
      return summary;
    });
    return { items, total: ids.length };
  }
}
