import type { Knex } from 'knex';
import { immediate, inTransaction } from '../../shop-shared/transactional.ts';
import { FakeInventoryStore } from './fake-inventory-store.ts';
import { PgInventoryStore } from './inventory-store.ts';
import { InventoryService, type InventoryStores } from './inventory-service.ts';

const createInventoryStores = (db: Knex): InventoryStores => ({
  inventory: new PgInventoryStore(db),
});

export const createInventoryService = (db: Knex): InventoryService =>
  new InventoryService(createInventoryStores(db), inTransaction(db, createInventoryStores));

export function createFakeInventoryService() {
  const stores = { inventory: new FakeInventoryStore() };
  return { service: new InventoryService(stores, immediate(stores)), stores };
}
