/**
 * Writing a placed order: the order with its lines and a pending payment for its total, in the
 * caller's transaction. The extracted orders service has its own copy (extracted/orders/orders/).
 */
import type { PaymentStore } from '../payments/payment-store-type.ts';
import type { OrderStore } from './order-store-type.ts';
import { ORDER_STATUS, type PlaceOrder } from './order-types.ts';

type NewOrder = Parameters<OrderStore['create']>[0];

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
