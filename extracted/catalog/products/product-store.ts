/**
 * Products in the catalog's own database. `search_text` is derived exactly as the plan derives it
 * from legacy rows (`lower(name || ' ' || sku)`, here over `title`), in SQL, so that rows the
 * service writes and rows the sync writes agree byte for byte.
 */
import type { Knex } from 'knex';
import { pageOffset, type PageRequest } from '../../../shop-shared/pagination.ts';
import { toDate, toId } from '../../../shop-shared/row-values.ts';
import { ConflictError, isUniqueViolation } from '../../shared/http-errors.ts';
import type { ProductStore } from './product-store-type.ts';
import type { NewProduct, Product, ProductChanges, ProductFilter } from './product-types.ts';

const TABLE = 'products';
const COLUMNS = [
  'id',
  'sku',
  'title',
  'description',
  'price_cents',
  'active',
  'created_at',
  'updated_at',
];

type ProductRow = {
  id: string | number;
  sku: string;
  title: string;
  description: string | null;
  /** bigint: node-postgres returns it as a string (every price in cents is below 2^53) */
  price_cents: string | number;
  active: boolean;
  created_at: Date | string;
  updated_at: Date | string;
};

const fromRow = (row: ProductRow): Product => ({
  id: toId(row.id),
  sku: row.sku,
  title: row.title,
  description: row.description,
  priceCents: Number(row.price_cents),
  active: row.active,
  createdAt: toDate(row.created_at),
  updatedAt: toDate(row.updated_at),
});

export class PgProductStore implements ProductStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async list(filter: ProductFilter, page: PageRequest) {
    const where = (q: Knex.QueryBuilder) =>
      filter.active === undefined ? q : q.where('active', filter.active);
    const [{ count }] = await where(this.db(TABLE).count({ count: '*' }));
    const rows: ProductRow[] = await where(this.db(TABLE).select(COLUMNS))
      .orderBy('id')
      .limit(page.pageSize)
      .offset(pageOffset(page));
    return { items: rows.map(fromRow), total: Number(count) };
  }

  async get(id: number) {
    const row: ProductRow | undefined = await this.db(TABLE).select(COLUMNS).where({ id }).first();
    return row && fromRow(row);
  }

  async create(product: NewProduct) {
    try {
      const [row] = await this.db(TABLE)
        .insert({
          sku: product.sku,
          title: product.title,
          description: product.description,
          price_cents: product.priceCents,
          active: product.active,
          search_text: this.db.raw(`lower(?::text || ' ' || ?::text)`, [
            product.title,
            product.sku,
          ]),
        })
        .returning(COLUMNS);
      return fromRow(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku(product.sku);
      throw error;
    }
  }

  async update(id: number, changes: ProductChanges) {
    const set: Record<string, unknown> = { updated_at: this.db.fn.now() };
    if (changes.sku !== undefined) set.sku = changes.sku;
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.priceCents !== undefined) set.price_cents = changes.priceCents;
    if (changes.active !== undefined) set.active = changes.active;
    // In an UPDATE, `title` and `sku` are the old values; coalesce picks the new ones if given.
    set.search_text = this.db.raw(
      `lower(coalesce(?::text, title) || ' ' || coalesce(?::text, sku))`,
      [changes.title ?? null, changes.sku ?? null],
    );
    try {
      const [row] = await this.db(TABLE).where({ id }).update(set).returning(COLUMNS);
      return row && fromRow(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku(changes.sku ?? '');
      throw error;
    }
  }

  async delete(id: number) {
    const deleted = await this.db(TABLE).where({ id }).delete();
    return deleted > 0;
  }
}

const duplicateSku = (sku: string) =>
  new ConflictError(`a product with sku "${sku}" already exists`, { field: 'sku' });
