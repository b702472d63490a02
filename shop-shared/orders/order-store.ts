import type { Knex } from 'knex';
import { toId, toMoney } from '../row-values.ts';
import type { OrderStore } from './order-store-type.ts';
import type { NewOrder, PaymentStatus } from './order-types.ts';

export class PgOrderStore implements OrderStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async create(order: NewOrder) {
    const [{ id }] = await this.db('orders')
      .insert({
        customer_id: order.customerId,
        status: order.status,
        payment_status: order.paymentStatus,
        total: order.total,
      })
      .returning(['id']);
    await this.db('order_items').insert(
      order.items.map((item) => ({
        order_id: id,
        product_id: item.productId,
        quantity: item.quantity,
        unit_price: item.unitPrice,
      })),
    );
    return toId(id);
  }

  async lockForUpdate(id: number) {
    const row = await this.db('orders')
      .select('id', 'customer_id', 'status', 'payment_status', 'total')
      .where({ id })
      .forUpdate()
      .first();
    if (!row) return undefined;
    return {
      id: toId(row.id),
      customerId: toId(row.customer_id),
      status: row.status,
      paymentStatus: row.payment_status,
      total: toMoney(row.total),
    };
  }

  async setPaymentStatus(id: number, status: PaymentStatus) {
    await this.db('orders')
      .where({ id })
      .update({ payment_status: status, updated_at: this.db.fn.now() });
  }
}
