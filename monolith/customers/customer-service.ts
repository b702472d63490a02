import { ConflictError, NotFoundError } from '../../shop-shared/http-errors.ts';
import { toPage, type Page, type PageRequest } from '../../shop-shared/pagination.ts';
import type { CustomerStore } from './customer-store-type.ts';
import type { Customer, CustomerPatch, NewCustomer } from './customer-types.ts';

export type CustomerStores = { customers: CustomerStore };

export class CustomerService {
  private readonly stores: CustomerStores;

  constructor(stores: CustomerStores) {
    this.stores = stores;
  }

  async list(page: PageRequest): Promise<Page<Customer>> {
    const { items, total } = await this.stores.customers.list(page);
    return toPage(items, page, total);
  }

  async get(id: number): Promise<Customer> {
    const customer = await this.stores.customers.get(id);
    if (!customer) throw new NotFoundError(`customer ${id} not found`, { customerId: id });
    return customer;
  }

  create(customer: NewCustomer): Promise<Customer> {
    return this.stores.customers.create(customer);
  }

  async update(id: number, patch: CustomerPatch): Promise<Customer> {
    const updated = await this.stores.customers.update(id, patch);
    if (!updated) throw new NotFoundError(`customer ${id} not found`, { customerId: id });
    return updated;
  }

  async delete(id: number): Promise<void> {
    await this.get(id);
    if (await this.stores.customers.hasOrders(id)) {
      throw new ConflictError(`customer ${id} has orders and cannot be deleted`, {
        customerId: id,
      });
    }
    await this.stores.customers.delete(id);
  }
}
