/**
 * The payment provider's callback. It settles the order's pending payment and writes the result
 * straight onto the order row (`orders.payment_status`), as the monolith always has; the orders
 * service does the same over its own DB, which holds both tables. A repeated callback with the
 * same outcome is answered the same way; a contradicting one is a conflict.
 */
import type { OrderStore } from '../orders/order-store-type.ts';
import type { PaymentStatus } from '../orders/order-types.ts';
import { ConflictError, NotFoundError } from '../http-errors.ts';
import type { Transactional } from '../transactional.ts';
import type { PaymentStore } from './payment-store-type.ts';
import type { PaymentCallback } from './payment-types.ts';

export type PaymentStores = { orders: OrderStore; payments: PaymentStore };

export class PaymentService {
  private readonly transactional: Transactional<PaymentStores>;

  constructor(transactional: Transactional<PaymentStores>) {
    this.transactional = transactional;
  }

  async settle(
    callback: PaymentCallback,
  ): Promise<{ orderId: number; paymentStatus: PaymentStatus }> {
    const { orderId, status, reference } = callback;
    return this.transactional(async ({ orders, payments }) => {
      const order = await orders.lockForUpdate(orderId);
      if (!order)
        throw new NotFoundError(`order ${orderId} not found`, { field: 'orderId', orderId });
      const payment = await payments.lockLatestForOrder(orderId);
      if (!payment)
        throw new ConflictError(`order ${orderId} has no payment to settle`, { orderId });
      if (payment.status === status) return { orderId, paymentStatus: status };
      if (payment.status !== 'pending') {
        throw new ConflictError(
          `payment of order ${orderId} is already ${payment.status}, cannot become ${status}`,
          {
            orderId,
            paymentStatus: payment.status,
          },
        );
      }
      await payments.update(payment.id, { status, reference });
      await orders.setPaymentStatus(orderId, status);
      return { orderId, paymentStatus: status };
    });
  }
}
