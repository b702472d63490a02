/**
 * The orders service's store of `orders` and `order_items` in its own DB. Its own copy of the
 * monolith's (monolith/orders/order-store-type.ts): the tables have the legacy columns today (the
 * plan maps them one to one), but the service owns them now and they are meant to diverge.
 */
import type { NewOrder, OrderRow, PaymentStatus } from './order-types.ts';

export interface OrderStore {
  /** Writes the order row and its lines; answers the new order's id. */
  create(order: NewOrder): Promise<number>;
  /** The order row, locked until the transaction ends. */
  lockForUpdate(id: number): Promise<OrderRow | undefined>;
  setPaymentStatus(id: number, status: PaymentStatus): Promise<void>;
}
