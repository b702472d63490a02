/**
 * What the orders service needs from the monolith, over its HTTP API (docs/api.md), because that
 * data is not the orders service's: stock stays in the monolith's inventory, and whether a product
 * is for sale (`active`) is not in the plan's product snapshot.
 */
export type StockLevel = { quantity: number; reserved: number };

/** The result of one stock adjustment: done, or refused because there is not enough. */
export type AdjustOutcome =
  { ok: true } | { ok: false; reason: 'not_enough_stock' | 'no_inventory' };

export interface ShopApi {
  /** `GET /api/products/:id` → its `active` flag, or undefined when the product does not exist. */
  productActive(productId: number): Promise<boolean | undefined>;
  /** `GET /api/inventory/:productId`, or undefined when there is no stock row. */
  stockLevel(productId: number): Promise<StockLevel | undefined>;
  /** `POST /api/inventory/:productId/adjust { delta, reason }`. */
  adjustStock(productId: number, delta: number, reason: string): Promise<AdjustOutcome>;
}
