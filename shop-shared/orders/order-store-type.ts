import type { NewOrder, OrderRow, PaymentStatus } from './order-types.ts';

export interface OrderStore {
  /** Writes the order row and its lines; answers the new order's id. */
  create(order: NewOrder): Promise<number>;
  /** The order row, locked until the transaction ends. */
  lockForUpdate(id: number): Promise<OrderRow | undefined>;
  setPaymentStatus(id: number, status: PaymentStatus): Promise<void>;
}
