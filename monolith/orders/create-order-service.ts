import type { Knex } from 'knex';
import { PgCustomerStore } from '../customers/customer-store.ts';
import { FakeCustomerStore } from '../customers/fake-customer-store.ts';
import { FakeInventoryStore } from '../inventory/fake-inventory-store.ts';
import { PgInventoryStore } from '../inventory/inventory-store.ts';
import { FakePaymentStore } from '../../shop-shared/payments/fake-payment-store.ts';
import { PgPaymentStore } from '../../shop-shared/payments/payment-store.ts';
import { FakeProductStore } from '../products/fake-product-store.ts';
import { PgProductStore } from '../products/product-store.ts';
import { immediate, inTransaction } from '../../shop-shared/transactional.ts';
import { FakeOrderReadModel } from './fake-order-read-model.ts';
import { FakeOrderStore } from '../../shop-shared/orders/fake-order-store.ts';
import { PgOrderReadModel } from './order-read-model.ts';
import { PgOrderStore } from '../../shop-shared/orders/order-store.ts';
import { OrderService, type OrderStores } from './order-service.ts';

export const createOrderStores = (db: Knex): OrderStores => ({
  customers: new PgCustomerStore(db),
  products: new PgProductStore(db),
  inventory: new PgInventoryStore(db),
  orders: new PgOrderStore(db),
  payments: new PgPaymentStore(db),
  orderReads: new PgOrderReadModel(db),
});

export const createOrderService = (db: Knex): OrderService =>
  new OrderService(createOrderStores(db), inTransaction(db, createOrderStores));

export function createFakeOrderService() {
  const base = {
    customers: new FakeCustomerStore(),
    products: new FakeProductStore(),
    inventory: new FakeInventoryStore(),
    orders: new FakeOrderStore(),
    payments: new FakePaymentStore(),
  };
  const stores = { ...base, orderReads: new FakeOrderReadModel(base) };
  return { service: new OrderService(stores, immediate(stores)), stores };
}
