import type { PageRequest } from '../../shop-shared/pagination.ts';
import type { NewProduct, Product, ProductFilter, ProductPatch } from './product-types.ts';

export interface ProductStore {
  list(filter: ProductFilter, page: PageRequest): Promise<{ items: Product[]; total: number }>;
  get(id: number): Promise<Product | undefined>;
  /** Several products at once (for orders); missing ids are simply absent from the answer. */
  getMany(ids: number[]): Promise<Product[]>;
  /** Throws ConflictError when the SKU is taken. */
  create(product: NewProduct): Promise<Product>;
  /** Throws ConflictError when the SKU is taken; undefined when there is no such product. */
  update(id: number, patch: ProductPatch): Promise<Product | undefined>;
  delete(id: number): Promise<void>;
  /** Whether any order line names the product (then it may not be deleted). */
  isOrdered(id: number): Promise<boolean>;
}
