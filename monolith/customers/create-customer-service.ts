import type { Knex } from 'knex';
import { CustomerService } from './customer-service.ts';
import { PgCustomerStore } from './customer-store.ts';
import { FakeCustomerStore } from './fake-customer-store.ts';

export const createCustomerService = (db: Knex): CustomerService =>
  new CustomerService({ customers: new PgCustomerStore(db) });

export function createFakeCustomerService() {
  const stores = { customers: new FakeCustomerStore() };
  return { service: new CustomerService(stores), stores };
}
