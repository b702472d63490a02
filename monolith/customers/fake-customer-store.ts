import type { PageRequest } from '../../shop-shared/pagination.ts';
import { InMemoryTable } from '../../shop-shared/in-memory-table.ts';
import type { CustomerStore } from './customer-store-type.ts';
import type { Customer, CustomerPatch, NewCustomer } from './customer-types.ts';

/** In-memory CustomerStore for unit tests; `withOrders` stands in for the orders table. */
export class FakeCustomerStore implements CustomerStore {
  private readonly table = new InMemoryTable<Customer>('customer');
  readonly rows = this.table.rows;
  readonly withOrders = new Set<number>();

  async list(page: PageRequest) {
    return this.table.page(page);
  }

  async get(id: number) {
    return this.rows.get(id);
  }

  async create(customer: NewCustomer) {
    this.table.assertUnique('email', customer.email);
    return this.table.insert(customer);
  }

  async update(id: number, patch: CustomerPatch) {
    if (this.rows.has(id)) this.table.assertUnique('email', patch.email, id);
    return this.table.update(id, patch);
  }

  async delete(id: number) {
    this.rows.delete(id);
  }

  async hasOrders(id: number) {
    return this.withOrders.has(id);
  }
}
