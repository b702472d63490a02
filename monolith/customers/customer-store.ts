import type { Knex } from 'knex';
import { ConflictError, isUniqueViolation } from '../../shop-shared/http-errors.ts';
import { pageOffset, type PageRequest } from '../../shop-shared/pagination.ts';
import { toDate, toId } from '../../shop-shared/row-values.ts';
import type { CustomerStore } from './customer-store-type.ts';
import type { Customer, CustomerPatch, NewCustomer } from './customer-types.ts';

const TABLE = 'customers';
const COLUMNS = ['id', 'name', 'email', 'phone', 'address', 'created_at', 'updated_at'];

function rowToCustomer(row: Record<string, unknown>): Customer {
  return {
    id: toId(row.id),
    name: String(row.name),
    email: String(row.email),
    phone: (row.phone as string | null) ?? null,
    address: (row.address as string | null) ?? null,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function toRow(patch: CustomerPatch): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

function duplicateEmail(error: unknown, email: string | undefined): unknown {
  return isUniqueViolation(error)
    ? new ConflictError(`a customer with email "${email}" already exists`, { field: 'email' })
    : error;
}

export class PgCustomerStore implements CustomerStore {
  private readonly db: Knex;

  constructor(db: Knex) {
    this.db = db;
  }

  async list(page: PageRequest) {
    const [rows, [{ count }]] = await Promise.all([
      this.db(TABLE).select(COLUMNS).orderBy('id').limit(page.pageSize).offset(pageOffset(page)),
      this.db(TABLE).count<{ count: string }[]>({ count: '*' }),
    ]);
    return { items: rows.map(rowToCustomer), total: Number(count) };
  }

  async get(id: number) {
    const row = await this.db(TABLE).select(COLUMNS).where({ id }).first();
    return row ? rowToCustomer(row) : undefined;
  }

  async create(customer: NewCustomer) {
    try {
      const [row] = await this.db(TABLE).insert(toRow(customer)).returning(COLUMNS);
      return rowToCustomer(row);
    } catch (error) {
      throw duplicateEmail(error, customer.email);
    }
  }

  async update(id: number, patch: CustomerPatch) {
    try {
      const [row] = await this.db(TABLE)
        .where({ id })
        .update({ ...toRow(patch), updated_at: this.db.fn.now() })
        .returning(COLUMNS);
      return row ? rowToCustomer(row) : undefined;
    } catch (error) {
      throw duplicateEmail(error, patch.email);
    }
  }

  async delete(id: number) {
    await this.db(TABLE).where({ id }).delete();
  }

  async hasOrders(id: number) {
    return (await this.db('orders').select('id').where({ customer_id: id }).first()) !== undefined;
  }
}
