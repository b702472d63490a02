/**
 * Orders as the API shows them: with the customer's name and each line's product name, read in
 * joins across orders, order_items, customers and products.
 */
import type { Knex } from 'knex';
import { pageOffset, type PageRequest } from '../../shop-shared/pagination.ts';
import { toDate, toId, toMoney } from '../../shop-shared/row-values.ts';
import type { OrderReadModel } from './order-read-model-type.ts';
import type { OrderFilter, OrderSummary } from './order-read-types.ts';

const SUMMARY_COLUMNS = [
  'o.id',
  'o.customer_id',
  'c.name as customer_name',
  'o.status',
  'o.payment_status',
  'o.total',
  'o.created_at',
  'o.updated_at',
];

function rowToSummary(row: Record<string, unknown>): OrderSummary {
  return {
    id: toId(row.id),
    customerId: toId(row.customer_id),
    customerName: String(row.customer_name),
    status: String(row.status),
    paymentStatus: String(row.payment_status),
    total: toMoney(row.total),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export class PgOrderReadModel implements OrderReadModel {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async get(id: number) {
    const row = await this.db('orders as o')
      .join('customers as c', 'c.id', 'o.customer_id')
      .select(SUMMARY_COLUMNS)
      .where('o.id', id)
      .first();
    if (!row) return undefined;
    const items = await this.db('order_items as i')
      .join('products as p', 'p.id', 'i.product_id')
      .select('i.id', 'i.product_id', 'p.name as product_name', 'i.quantity', 'i.unit_price')
      .where('i.order_id', id)
      .orderBy('i.id');
    return {
      ...rowToSummary(row),
      items: items.map((i) => ({
        id: toId(i.id),
        productId: toId(i.product_id),
        productName: String(i.product_name),
        quantity: Number(i.quantity),
        unitPrice: toMoney(i.unit_price),
      })),
    };
  }

  async list(filter: OrderFilter, page: PageRequest) {
    const where = (q: Knex.QueryBuilder) => {
      if (filter.customerId !== undefined) q.where('o.customer_id', filter.customerId);
    };
    const [rows, [{ count }]] = await Promise.all([
      this.db('orders as o')
        .join('customers as c', 'c.id', 'o.customer_id')
        .select(SUMMARY_COLUMNS)
        .modify(where)
        .orderBy('o.id')
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      this.db('orders as o').modify(where).count<{ count: string }[]>({ count: '*' }),
    ]);
    return { items: rows.map(rowToSummary), total: Number(count) };
  }
}
