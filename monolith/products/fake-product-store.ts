import type { PageRequest } from '../../shop-shared/pagination.ts';
import { InMemoryTable } from '../../shop-shared/in-memory-table.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductFilter, ProductPatch } from './product-types.ts';

/** In-memory ProductStore for unit tests; `orderedIds` stands in for order lines. */
export class FakeProductStore implements ProductStore {
  private readonly table = new InMemoryTable<Product>('product');
  readonly rows = this.table.rows;
  readonly orderedIds = new Set<number>();

  async list(filter: ProductFilter, page: PageRequest) {
    return this.table.page(page, (p) => filter.active === undefined || p.active === filter.active);
  }

  async get(id: number) {
    return this.rows.get(id);
  }

  async getMany(ids: number[]) {
    return ids.flatMap((id) => this.rows.get(id) ?? []).sort((a, b) => a.id - b.id);
  }

  async create(product: NewProduct) {
    this.table.assertUnique('sku', product.sku);
    return this.table.insert(product);
  }

  async update(id: number, patch: ProductPatch) {
    if (this.rows.has(id)) this.table.assertUnique('sku', patch.sku, id);
    return this.table.update(id, patch);
  }

  async delete(id: number) {
    this.rows.delete(id);
  }

  async isOrdered(id: number) {
    return this.orderedIds.has(id);
  }
}
