/**
 * Pure rules over an order's lines, the orders service's own (the monolith has them in
 * monolith/orders/order-service.ts): quantities per product, in product id order so that checks
 * and reservations run in the monolith's order, and the total in cents-exact arithmetic so both
 * sides charge the same amount.
 */
import type { OrderLine } from './order-types.ts';

export type Shortage = { productId: number; requested: number; available: number };

/** Quantity wanted per product, by product id; an order may name a product on several lines. */
export function quantitiesByProduct(items: OrderLine[]): Map<number, number> {
  const wanted = new Map<number, number>();
  for (const { productId, quantity } of items)
    wanted.set(productId, (wanted.get(productId) ?? 0) + quantity);
  return new Map([...wanted].sort(([a], [b]) => a - b));
}

/** Order total in cents-exact arithmetic. */
export function orderTotal(lines: { quantity: number; unitPrice: number }[]): number {
  return lines.reduce((cents, l) => cents + Math.round(l.unitPrice * 100) * l.quantity, 0) / 100;
}
