/**
 * Pure rules over an order's lines, for the monolith and the orders service alike: quantities per
 * product, in product id order (so stock rows are locked, checked and reserved in the same order
 * on both sides, and concurrent orders cannot deadlock), and the total in cents-exact arithmetic
 * so both sides charge the same amount.
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
