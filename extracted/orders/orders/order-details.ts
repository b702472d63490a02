/**
 * How an order is shown (docs/api.md Order), assembled from the orders DB alone: the order and
 * its lines (owned), the customer's name from `customer_directory` and each line's product name
 * from `product_snapshots` (replicas). `unitPrice` is the line's own price, the price at the time
 * of ordering, never today's price. A name the replica does not hold yet (sync lag) is null.
 */
import { toDate, toId, toMoney } from '../../../shop-shared/row-values.ts';

export type LocalOrderItem = {
  id: number;
  productId: number;
  productName: string | null;
  quantity: number;
  unitPrice: number;
};

export type LocalOrderDetails = {
  id: number;
  customerId: number;
  customerName: string | null;
  status: string;
  paymentStatus: string;
  total: number;
  createdAt: Date;
  updatedAt: Date;
  items: LocalOrderItem[];
};

/** Rows as the orders DB holds them (pg gives bigint and numeric as strings). */
export type OrderRowData = {
  id: unknown;
  customer_id: unknown;
  status: unknown;
  payment_status: unknown;
  total: unknown;
  created_at: unknown;
  updated_at: unknown;
};
export type OrderItemRowData = {
  id: unknown;
  product_id: unknown;
  quantity: unknown;
  unit_price: unknown;
};

export function assembleOrderDetails(
  order: OrderRowData,
  items: OrderItemRowData[],
  customerNames: Map<number, string>,
  productNames: Map<number, string>,
): LocalOrderDetails {
  const customerId = toId(order.customer_id);
  return {
    id: toId(order.id),
    customerId,
    customerName: customerNames.get(customerId) ?? null,
    status: String(order.status),
    paymentStatus: String(order.payment_status),
    total: toMoney(order.total),
    createdAt: toDate(order.created_at),
    updatedAt: toDate(order.updated_at),
    items: items
      .map((item) => ({
        id: toId(item.id),
        productId: toId(item.product_id),
        productName: productNames.get(toId(item.product_id)) ?? null,
        quantity: Number(item.quantity),
        unitPrice: toMoney(item.unit_price),
      }))
      .sort((a, b) => a.id - b.id),
  };
}
