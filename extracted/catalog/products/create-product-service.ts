/** Wiring of the products feature: `(config) => (db) => service`, so it also runs inside a transaction. */
import type { Knex } from 'knex';
import { FakeProductStore } from './fake-product-store.ts';
import { fixedOrderHistory, type OrderHistory } from './order-history.ts';
import { ProductService } from './product-service.ts';
import { PgProductStore } from './product-store.ts';

export type ProductFeatureConfig = { orderHistory: OrderHistory };

export const createProductService =
  (config: ProductFeatureConfig) =>
  (db: Knex): ProductService =>
    new ProductService({ products: new PgProductStore(db), orderHistory: config.orderHistory });

export function createFakeProductService(
  options: { orderedIds?: number[]; now?: () => Date } = {},
) {
  const products = new FakeProductStore(options.now);
  const service = new ProductService({
    products,
    orderHistory: fixedOrderHistory(options.orderedIds ?? []),
  });
  return { service, products };
}
