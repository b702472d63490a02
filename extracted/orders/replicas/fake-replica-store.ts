import type { CustomerEntry, ProductSnapshot, ReplicaStore } from './replica-store-type.ts';

/** In-memory replicas for unit tests. */
export class FakeReplicaStore implements ReplicaStore {
  readonly customers = new Map<number, CustomerEntry>();
  readonly products = new Map<number, ProductSnapshot>();

  async getCustomer(customerId: number) {
    return this.customers.get(customerId);
  }

  async getProducts(productIds: number[]) {
    return productIds.flatMap((id) => (this.products.has(id) ? [this.products.get(id)!] : []));
  }
}
