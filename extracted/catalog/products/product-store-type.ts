import type { PageRequest } from '../../../shop-shared/pagination.ts';
import type { NewProduct, Product, ProductChanges, ProductFilter } from './product-types.ts';

/**
 * Where products live. Implementations throw ConflictError for a duplicate SKU; a missing
 * product is `undefined` / `false`, and the service decides what that means.
 */
export interface ProductStore {
  list(filter: ProductFilter, page: PageRequest): Promise<{ items: Product[]; total: number }>;
  get(id: number): Promise<Product | undefined>;
  create(product: NewProduct): Promise<Product>;
  update(id: number, changes: ProductChanges): Promise<Product | undefined>;
  delete(id: number): Promise<boolean>;
}
