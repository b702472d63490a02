import type { LocalOrderDetails } from './order-details.ts';

/** Orders as the API shows them, read from the orders DB only (owned tables plus replicas). */
export interface LocalOrderReadModel {
  get(id: number): Promise<LocalOrderDetails | undefined>;
  /** Whether any order line names the product (the catalog asks before deleting one). */
  isProductOrdered(productId: number): Promise<boolean>;
}
