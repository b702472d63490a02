/**
 * Products of the shop. Creating a product also opens its stock row, and deleting one removes
 * it, in the same transaction: the monolith keeps the two tables in step itself.
 */
import type { InventoryStore } from '../inventory/inventory-store-type.ts';
import { ConflictError, NotFoundError } from '../../shop-shared/http-errors.ts';
import { toPage, type Page, type PageRequest } from '../../shop-shared/pagination.ts';
import type { Transactional } from '../../shop-shared/transactional.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductFilter, ProductPatch } from './product-types.ts';

export type ProductStores = { products: ProductStore; inventory: InventoryStore };

export class ProductService {
  private readonly stores: ProductStores;
  private readonly transactional: Transactional<ProductStores>;

  constructor(stores: ProductStores, transactional: Transactional<ProductStores>) {
    this.stores = stores;
    this.transactional = transactional;
  }

  async list(filter: ProductFilter, page: PageRequest): Promise<Page<Product>> {
    const { items, total } = await this.stores.products.list(filter, page);
    return toPage(items, page, total);
  }

  async get(id: number): Promise<Product> {
    const product = await this.stores.products.get(id);
    if (!product) throw new NotFoundError(`product ${id} not found`, { productId: id });
    return product;
  }

  async create(product: NewProduct): Promise<Product> {
    return this.transactional(async ({ products, inventory }) => {
      const created = await products.create(product);
      await inventory.create(created.id);
      return created;
    });
  }

  async update(id: number, patch: ProductPatch): Promise<Product> {
    const updated = await this.stores.products.update(id, patch);
    if (!updated) throw new NotFoundError(`product ${id} not found`, { productId: id });
    return updated;
  }

  async delete(id: number): Promise<void> {
    await this.transactional(async ({ products, inventory }) => {
      if (!(await products.get(id)))
        throw new NotFoundError(`product ${id} not found`, { productId: id });
      if (await products.isOrdered(id)) {
        throw new ConflictError(
          `product ${id} has been ordered and cannot be deleted (set active=false instead)`,
          { productId: id },
        );
      }
      await inventory.delete(id);
      await products.delete(id);
    });
  }
}
