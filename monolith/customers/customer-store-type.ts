import type { PageRequest } from '../../shop-shared/pagination.ts';
import type { Customer, CustomerPatch, NewCustomer } from './customer-types.ts';

export interface CustomerStore {
  list(page: PageRequest): Promise<{ items: Customer[]; total: number }>;
  get(id: number): Promise<Customer | undefined>;
  /** Throws ConflictError when the email is taken. */
  create(customer: NewCustomer): Promise<Customer>;
  /** Throws ConflictError when the email is taken; undefined when there is no such customer. */
  update(id: number, patch: CustomerPatch): Promise<Customer | undefined>;
  delete(id: number): Promise<void>;
  /** Whether the customer has placed any order (then they may not be deleted). */
  hasOrders(id: number): Promise<boolean>;
}
