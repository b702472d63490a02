import { ConflictError } from '../shared/http-errors.ts';
import { pageOffset, type PageRequest } from '../shared/pagination.ts';
import type { CustomerStore } from './customer-store-type.ts';
import type { Customer, CustomerPatch, NewCustomer } from './customer-types.ts';

/** In-memory CustomerStore for unit tests; `withOrders` stands in for the orders table. */
export class FakeCustomerStore implements CustomerStore {
  readonly rows = new Map<number, Customer>();
  readonly withOrders = new Set<number>();
  private nextId = 1;

  async list(page: PageRequest) {
    const all = [...this.rows.values()].sort((a, b) => a.id - b.id);
    const start = pageOffset(page);
    return { items: all.slice(start, start + page.pageSize), total: all.length };
  }

  async get(id: number) {
    return this.rows.get(id);
  }

  async create(customer: NewCustomer) {
    this.assertEmailFree(customer.email, undefined);
    const now = new Date();
    const created = { ...customer, id: this.nextId++, createdAt: now, updatedAt: now };
    this.rows.set(created.id, created);
    return created;
  }

  async update(id: number, patch: CustomerPatch) {
    const current = this.rows.get(id);
    if (!current) return undefined;
    if (patch.email !== undefined) this.assertEmailFree(patch.email, id);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const updated = { ...current, ...defined, updatedAt: new Date() };
    this.rows.set(id, updated);
    return updated;
  }

  async delete(id: number) {
    this.rows.delete(id);
  }

  async hasOrders(id: number) {
    return this.withOrders.has(id);
  }

  private assertEmailFree(email: string, exceptId: number | undefined) {
    for (const c of this.rows.values()) {
      if (c.email === email && c.id !== exceptId) throw new ConflictError(`a customer with email "${email}" already exists`, { field: 'email' });
    }
  }
}
