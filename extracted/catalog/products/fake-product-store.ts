/** In-memory ProductStore for unit tests; behaves like PgProductStore (SKU unique, id order). */
import { pageOffset, type PageRequest } from '../../../shop-shared/pagination.ts';
import { ConflictError } from '../../shared/http-errors.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductChanges, ProductFilter } from './product-types.ts';

export class FakeProductStore implements ProductStore {
  readonly rows = new Map<number, Product>();
  private nextId = 1;
  private readonly now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.now = now;
  }

  /** Puts a product in as the sync would, with its legacy id. */
  seed(product: Product): void {
    this.rows.set(product.id, { ...product });
    this.nextId = Math.max(this.nextId, product.id + 1);
  }

  async list(filter: ProductFilter, page: PageRequest) {
    const matching = [...this.rows.values()]
      .filter((p) => filter.active === undefined || p.active === filter.active)
      .sort((a, b) => a.id - b.id);
    const start = pageOffset(page);
    return {
      items: matching.slice(start, start + page.pageSize).map((p) => ({ ...p })),
      total: matching.length,
    };
  }

  async get(id: number) {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async create(product: NewProduct) {
    this.assertSkuFree(product.sku);
    const at = this.now();
    const row: Product = { id: this.nextId++, ...product, createdAt: at, updatedAt: at };
    this.rows.set(row.id, row);
    return { ...row };
  }

  async update(id: number, changes: ProductChanges) {
    const row = this.rows.get(id);
    if (!row) return undefined;
    if (changes.sku !== undefined && changes.sku !== row.sku) this.assertSkuFree(changes.sku);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const updated = { ...row, ...defined, updatedAt: this.now() };
    this.rows.set(id, updated);
    return { ...updated };
  }

  async delete(id: number) {
    return this.rows.delete(id);
  }

  private assertSkuFree(sku: string): void {
    if ([...this.rows.values()].some((p) => p.sku === sku)) {
      throw new ConflictError(`a product with sku "${sku}" already exists`, { field: 'sku' });
    }
  }
}
