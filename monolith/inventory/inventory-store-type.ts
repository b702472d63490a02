import type { Inventory, StockLevels } from './inventory-types.ts';

export interface InventoryStore {
  get(productId: number): Promise<Inventory | undefined>;
  /**
   * Locks the stock rows of these products until the transaction ends (SELECT ... FOR UPDATE),
   * in product id order so that two orders locking overlapping products cannot deadlock.
   */
  lockForUpdate(productIds: number[]): Promise<Inventory[]>;
  /** A product's stock row, created with nothing on hand. */
  create(productId: number): Promise<Inventory>;
  save(productId: number, levels: StockLevels): Promise<Inventory>;
  delete(productId: number): Promise<void>;
}
