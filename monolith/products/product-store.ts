import type { Knex } from 'knex';
import { ConflictError, isUniqueViolation } from '../../shop-shared/http-errors.ts';
import { pageOffset, type PageRequest } from '../../shop-shared/pagination.ts';
import { toDate, toId, toMoney } from '../../shop-shared/row-values.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductFilter, ProductPatch } from './product-types.ts';

const TABLE = 'products';
const COLUMNS = ['id', 'sku', 'name', 'description', 'price', 'active', 'created_at', 'updated_at'];

type ProductRow = Record<(typeof COLUMNS)[number], unknown>;

export function rowToProduct(row: ProductRow): Product {
  return {
    id: toId(row.id),
    sku: String(row.sku),
    name: String(row.name),
    description: (row.description as string | null) ?? null,
    price: toMoney(row.price),
    active: Boolean(row.active),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function toRow(patch: ProductPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const key of ['sku', 'name', 'description', 'price', 'active'] as const) {
    if (patch[key] !== undefined) row[key] = patch[key];
  }
  return row;
}

function duplicateSku(error: unknown, sku: string | undefined): unknown {
  return isUniqueViolation(error)
    ? new ConflictError(`a product with sku "${sku}" already exists`, { field: 'sku' })
    : error;
}

export class PgProductStore implements ProductStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async list(filter: ProductFilter, page: PageRequest) {
    const query = this.db(TABLE).modify((q) => {
      if (filter.active !== undefined) q.where('active', filter.active);
    });
    const [rows, [{ count }]] = await Promise.all([
      query.clone().select(COLUMNS).orderBy('id').limit(page.pageSize).offset(pageOffset(page)),
      query.clone().count<{ count: string }[]>({ count: '*' }),
    ]);
    return { items: rows.map(rowToProduct), total: Number(count) };
  }

  async get(id: number) {
    const row = await this.db(TABLE).select(COLUMNS).where({ id }).first();
    return row ? rowToProduct(row) : undefined;
  }

  async getMany(ids: number[]) {
    if (ids.length === 0) return [];
    const rows = await this.db(TABLE).select(COLUMNS).whereIn('id', ids).orderBy('id');
    return rows.map(rowToProduct);
  }

  async create(product: NewProduct) {
    try {
      const [row] = await this.db(TABLE).insert(toRow(product)).returning(COLUMNS);
      return rowToProduct(row);
    } catch (error) {
      throw duplicateSku(error, product.sku);
    }
  }

  async update(id: number, patch: ProductPatch) {
    try {
      const [row] = await this.db(TABLE)
        .where({ id })
        .update({ ...toRow(patch), updated_at: this.db.fn.now() })
        .returning(COLUMNS);
      return row ? rowToProduct(row) : undefined;
    } catch (error) {
      throw duplicateSku(error, patch.sku);
    }
  }

  async delete(id: number) {
    await this.db(TABLE).where({ id }).delete();
  }

  async isOrdered(id: number) {
    const row = await this.db('order_items').select('id').where({ product_id: id }).first();
    return row !== undefined;
  }
}
