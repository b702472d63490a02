import type { ShopApi, StockLevel } from './shop-api-type.ts';

/** The monolith's products and stock in memory, with the same adjust rules, for unit tests. */
export class FakeShopApi implements ShopApi {
  readonly active = new Map<number, boolean>();
  readonly stock = new Map<number, StockLevel>();
  readonly adjustments: { productId: number; delta: number; reason: string }[] = [];

  async productActive(productId: number) {
    return this.active.get(productId);
  }

  async stockLevel(productId: number) {
    const level = this.stock.get(productId);
    return level && { ...level };
  }

  async adjustStock(productId: number, delta: number, reason: string) {
    const level = this.stock.get(productId);
    if (!level) return { ok: false, reason: 'no_inventory' } as const;
    const quantity = level.quantity + delta;
    if (quantity < 0 || quantity < level.reserved)
      return { ok: false, reason: 'not_enough_stock' } as const;
    level.quantity = quantity;
    this.adjustments.push({ productId, delta, reason });
    return { ok: true } as const;
  }
}
