import type { InventoryStore } from './inventory-store-type.ts';
import type { Inventory, StockLevels } from './inventory-types.ts';

/** In-memory InventoryStore for unit tests; `locked` records what lockForUpdate was asked, in order. */
export class FakeInventoryStore implements InventoryStore {
  readonly rows = new Map<number, Inventory>();
  readonly locked: number[][] = [];

  async get(productId: number) {
    return this.rows.get(productId);
  }

  async lockForUpdate(productIds: number[]) {
    const ordered = [...productIds].sort((a, b) => a - b);
    this.locked.push(ordered);
    return ordered.flatMap((id) => this.rows.get(id) ?? []);
  }

  async create(productId: number) {
    return this.save(productId, { quantity: 0, reserved: 0 });
  }

  async save(productId: number, levels: StockLevels) {
    const row = { productId, ...levels, updatedAt: new Date() };
    this.rows.set(productId, row);
    return row;
  }

  async delete(productId: number) {
    this.rows.delete(productId);
  }
}
