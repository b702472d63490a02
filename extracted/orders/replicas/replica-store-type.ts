/** The replicas the orders service reads when placing an order (forward sync writes them). */
export type CustomerEntry = { customerId: number; name: string };
export type ProductSnapshot = { productId: number; name: string; price: number };

export interface ReplicaStore {
  getCustomer(customerId: number): Promise<CustomerEntry | undefined>;
  /** Missing ids are simply absent from the answer. */
  getProducts(productIds: number[]): Promise<ProductSnapshot[]>;
}
