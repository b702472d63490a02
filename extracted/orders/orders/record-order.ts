/**
 * Writing a placed order: the order with its lines and a pending payment for its total, in the
 * caller's transaction. The orders service's own copy of monolith/orders/record-order.ts, meant to
 * diverge: the service owns the orders and payments tables now, and the monolith's copy goes
 * with the monolith. orders.e2e.test.ts checks that both still write the same order.
 */
import type { PaymentStore } from '../payments/payment-store-type.ts';
import type { OrderStore } from './order-store-type.ts';
import { ORDER_STATUS, type NewOrder, type PlaceOrder } from './order-types.ts';

export async function recordOrder(
  stores: { orders: OrderStore; payments: PaymentStore },
  request: Pick<PlaceOrder, 'customerId' | 'paymentMethod'>,
  lines: NewOrder['items'],
  total: number,
): Promise<number> {
  const orderId = await stores.orders.create({
    customerId: request.customerId,
    status: ORDER_STATUS.placed,
    paymentStatus: 'pending',
    total,
    items: lines,
  });
  await stores.payments.create({
    orderId,
    amount: total,
    method: request.paymentMethod,
    status: 'pending',
  });
  return orderId;
}
