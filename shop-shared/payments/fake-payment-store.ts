import type { PaymentStore } from './payment-store-type.ts';
import type { NewPayment, Payment } from './payment-types.ts';

/** In-memory PaymentStore for unit tests. */
export class FakePaymentStore implements PaymentStore {
  readonly rows = new Map<number, Payment>();
  private nextId = 1;

  async create(payment: NewPayment) {
    const created = { ...payment, id: this.nextId++, reference: null };
    this.rows.set(created.id, created);
    return created;
  }

  async lockLatestForOrder(orderId: number) {
    return [...this.rows.values()]
      .filter((p) => p.orderId === orderId)
      .sort((a, b) => b.id - a.id)[0];
  }

  async update(id: number, change: Pick<Payment, 'status' | 'reference'>) {
    const current = this.rows.get(id);
    if (current) this.rows.set(id, { ...current, ...change });
  }
}
