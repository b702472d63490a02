import type { Knex } from 'knex';
import type { PaymentStatus } from '../orders/order-types.ts';
import { toId, toMoney } from '../row-values.ts';
import type { PaymentStore } from './payment-store-type.ts';
import type { NewPayment, Payment } from './payment-types.ts';

const COLUMNS = ['id', 'order_id', 'amount', 'method', 'status', 'reference'];

function rowToPayment(row: Record<string, unknown>): Payment {
  return {
    id: toId(row.id),
    orderId: toId(row.order_id),
    amount: toMoney(row.amount),
    method: String(row.method),
    status: row.status as PaymentStatus,
    reference: (row.reference as string | null) ?? null,
  };
}

export class PgPaymentStore implements PaymentStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async create(payment: NewPayment) {
    const [row] = await this.db('payments')
      .insert({
        order_id: payment.orderId,
        amount: payment.amount,
        method: payment.method,
        status: payment.status,
      })
      .returning(COLUMNS);
    return rowToPayment(row);
  }

  async lockLatestForOrder(orderId: number) {
    const row = await this.db('payments')
      .select(COLUMNS)
      .where({ order_id: orderId })
      .orderBy('id', 'desc')
      .forUpdate()
      .first();
    return row ? rowToPayment(row) : undefined;
  }

  async update(id: number, change: Pick<Payment, 'status' | 'reference'>) {
    await this.db('payments')
      .where({ id })
      .update({ status: change.status, reference: change.reference, updated_at: this.db.fn.now() });
  }
}
