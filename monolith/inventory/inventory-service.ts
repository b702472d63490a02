/**
 * Stock of each product. An adjustment (goods received, stock-take, breakage) changes the
 * quantity on hand; it may not take it below zero, nor below what placed orders have reserved,
 * nor above what the column holds.
 */
import { ConflictError, NotFoundError } from '../../shop-shared/http-errors.ts';
import type { Transactional } from '../../shop-shared/transactional.ts';
import { LIMITS } from './inventory-input.ts';
import type { InventoryStore } from './inventory-store-type.ts';
import type { Inventory } from './inventory-types.ts';

export type InventoryStores = { inventory: InventoryStore };
export type Adjustment = { delta: number; reason: string };

export class InventoryService {
  private readonly stores: InventoryStores;
  private readonly transactional: Transactional<InventoryStores>;

  constructor(stores: InventoryStores, transactional: Transactional<InventoryStores>) {
    this.stores = stores;
    this.transactional = transactional;
  }

  async get(productId: number): Promise<Inventory> {
    const row = await this.stores.inventory.get(productId);
    if (!row) throw new NotFoundError(`no inventory for product ${productId}`, { productId });
    return row;
  }

  async adjust(productId: number, adjustment: Adjustment): Promise<Inventory> {
    return this.transactional(async ({ inventory }) => {
      const [current] = await inventory.lockForUpdate([productId]);
      if (!current) throw new NotFoundError(`no inventory for product ${productId}`, { productId });
      const quantity = current.quantity + adjustment.delta;
      if (quantity < 0) {
        throw new ConflictError(
          `adjusting product ${productId} by ${adjustment.delta} would take its stock below zero (on hand: ${current.quantity})`,
          {
            productId,
            quantity: current.quantity,
            delta: adjustment.delta,
          },
        );
      }
      if (quantity > LIMITS.quantity.max) {
        throw new ConflictError(
          `adjusting product ${productId} by ${adjustment.delta} would take its stock above ${LIMITS.quantity.max}, the most it can hold (on hand: ${current.quantity})`,
          { field: 'delta', productId, quantity: current.quantity, delta: adjustment.delta },
        );
      }
      if (quantity < current.reserved) {
        throw new ConflictError(
          `adjusting product ${productId} by ${adjustment.delta} would leave less than the ${current.reserved} reserved for orders`,
          {
            productId,
            quantity: current.quantity,
            reserved: current.reserved,
            delta: adjustment.delta,
          },
        );
      }
      return inventory.save(productId, { quantity, reserved: current.reserved });
    });
  }
}
