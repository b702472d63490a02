import type { Knex } from 'knex';
import { toDate, toId } from '../../shop-shared/row-values.ts';
import type { InventoryStore } from './inventory-store-type.ts';
import type { Inventory, StockLevels } from './inventory-types.ts';

const TABLE = 'inventory';
const COLUMNS = ['product_id', 'quantity', 'reserved', 'updated_at'];

function rowToInventory(row: Record<string, unknown>): Inventory {
  return {
    productId: toId(row.product_id),
    quantity: Number(row.quantity),
    reserved: Number(row.reserved),
    updatedAt: toDate(row.updated_at),
  };
}

export class PgInventoryStore implements InventoryStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async get(productId: number) {
    const row = await this.db(TABLE).select(COLUMNS).where({ product_id: productId }).first();
    return row ? rowToInventory(row) : undefined;
  }

  async lockForUpdate(productIds: number[]) {
    if (productIds.length === 0) return [];
    const rows = await this.db(TABLE)
      .select(COLUMNS)
      .whereIn('product_id', productIds)
      .orderBy('product_id')
      .forUpdate();
    return rows.map(rowToInventory);
  }

  async create(productId: number) {
    const [row] = await this.db(TABLE)
      .insert({ product_id: productId, quantity: 0, reserved: 0 })
      .returning(COLUMNS);
    return rowToInventory(row);
  }

  async save(productId: number, levels: StockLevels) {
    const [row] = await this.db(TABLE)
      .where({ product_id: productId })
      .update({
        quantity: levels.quantity,
        reserved: levels.reserved,
        updated_at: this.db.fn.now(),
      })
      .returning(COLUMNS);
    return rowToInventory(row);
  }

  async delete(productId: number) {
    await this.db(TABLE).where({ product_id: productId }).delete();
  }
}
