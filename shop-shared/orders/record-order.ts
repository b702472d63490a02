/**
 * Writing a placed order: the order with its lines and a pending payment for its total, in the
 * caller's transaction. The monolith (legacy DB) and the orders service (its own DB, with the same
 * tables) both write an order this way.
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
