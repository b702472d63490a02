import type { NewPayment, Payment } from './payment-types.ts';

export interface PaymentStore {
  create(payment: NewPayment): Promise<Payment>;
  /** The order's most recent payment, locked until the transaction ends. */
  lockLatestForOrder(orderId: number): Promise<Payment | undefined>;
  update(id: number, change: Pick<Payment, 'status' | 'reference'>): Promise<void>;
}
