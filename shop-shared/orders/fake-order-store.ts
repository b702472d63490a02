import type { OrderStore } from './order-store-type.ts';
import type { NewOrder, PaymentStatus } from './order-types.ts';

type StoredOrder = NewOrder & { id: number; createdAt: Date; updatedAt: Date; itemIds: number[] };

/** In-memory OrderStore for unit tests. */
export class FakeOrderStore implements OrderStore {
  readonly rows = new Map<number, StoredOrder>();
  private nextId = 1;
  private nextItemId = 1;

  async create(order: NewOrder) {
    const now = new Date();
    const id = this.nextId++;
    this.rows.set(id, {
      ...order,
      id,
      createdAt: now,
      updatedAt: now,
      itemIds: order.items.map(() => this.nextItemId++),
    });
    return id;
  }

  async lockForUpdate(id: number) {
    const row = this.rows.get(id);
    return (
      row && {
        id,
        customerId: row.customerId,
        status: row.status,
        paymentStatus: row.paymentStatus,
        total: row.total,
      }
    );
  }

  async setPaymentStatus(id: number, status: PaymentStatus) {
    const row = this.rows.get(id);
    if (row) this.rows.set(id, { ...row, paymentStatus: status, updatedAt: new Date() });
  }
}
