import { ConflictError } from '../shared/http-errors.ts';
import { pageOffset, type PageRequest } from '../shared/pagination.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductFilter, ProductPatch } from './product-types.ts';

/** In-memory ProductStore for unit tests; `orderedIds` stands in for order lines. */
export class FakeProductStore implements ProductStore {
  readonly rows = new Map<number, Product>();
  readonly orderedIds = new Set<number>();
  private nextId = 1;

  async list(filter: ProductFilter, page: PageRequest) {
    const all = [...this.rows.values()]
      .filter((p) => filter.active === undefined || p.active === filter.active)
      .sort((a, b) => a.id - b.id);
    const start = pageOffset(page);
    return { items: all.slice(start, start + page.pageSize), total: all.length };
  }

  async get(id: number) {
    return this.rows.get(id);
  }

  async getMany(ids: number[]) {
    return ids.flatMap((id) => this.rows.get(id) ?? []).sort((a, b) => a.id - b.id);
  }

  async create(product: NewProduct) {
    this.assertSkuFree(product.sku, undefined);
    const now = new Date();
    const created = { ...product, id: this.nextId++, createdAt: now, updatedAt: now };
    this.rows.set(created.id, created);
    return created;
  }

  async update(id: number, patch: ProductPatch) {
    const current = this.rows.get(id);
    if (!current) return undefined;
    if (patch.sku !== undefined) this.assertSkuFree(patch.sku, id);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const updated = { ...current, ...defined, updatedAt: new Date() };
    this.rows.set(id, updated);
    return updated;
  }

  async delete(id: number) {
    this.rows.delete(id);
  }

  async isOrdered(id: number) {
    return this.orderedIds.has(id);
  }

  private assertSkuFree(sku: string, exceptId: number | undefined) {
    for (const p of this.rows.values()) {
      if (p.sku === sku && p.id !== exceptId) throw new ConflictError(`a product with sku "${sku}" already exists`, { field: 'sku' });
    }
  }
}
