import type { Knex } from 'knex';
import { FakeInventoryStore } from '../inventory/fake-inventory-store.ts';
import { PgInventoryStore } from '../inventory/inventory-store.ts';
import { immediate, inTransaction } from '../../shop-shared/transactional.ts';
import { FakeProductStore } from './fake-product-store.ts';
import { PgProductStore } from './product-store.ts';
import { ProductService, type ProductStores } from './product-service.ts';

export const createProductStores = (db: Knex): ProductStores => ({
  products: new PgProductStore(db),
  inventory: new PgInventoryStore(db),
});

export const createProductService = (db: Knex): ProductService =>
  new ProductService(createProductStores(db), inTransaction(db, createProductStores));

export function createFakeProductService() {
  const stores = { products: new FakeProductStore(), inventory: new FakeInventoryStore() };
  return { service: new ProductService(stores, immediate(stores)), stores };
}
