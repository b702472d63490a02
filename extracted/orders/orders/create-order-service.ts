/** Wiring of the orders feature: `(config) => (db) => service`, so it also runs inside a transaction. */
import type { Knex } from 'knex';
import { createLogger, type Logger } from '../../../lib/logger.ts';
import { immediate, inTransaction } from '../../../shop-shared/transactional.ts';
import { FakePaymentStore } from '../../../shop-shared/payments/fake-payment-store.ts';
import { PgPaymentStore } from '../../../shop-shared/payments/payment-store.ts';
import { FakeReplicaStore } from '../replicas/fake-replica-store.ts';
import { PgReplicaStore } from '../replicas/replica-store.ts';
import { FakeShopApi } from '../shop-api/fake-shop-api.ts';
import type { ShopApi } from '../shop-api/shop-api-type.ts';
import { FakeLocalOrderReadModel } from './fake-order-read-model.ts';
import { FakeOrderStore } from '../../../shop-shared/orders/fake-order-store.ts';
import { PgLocalOrderReadModel } from './order-read-model.ts';
import { PgOrderStore } from '../../../shop-shared/orders/order-store.ts';
import { OrderService, type OrderStores } from './order-service.ts';

export type OrderFeatureConfig = { shop: ShopApi; logger: Logger };

/** The service's stores over its own DB: owned tables (orders, payments) and replicas. */
export const createOrderStores = (db: Knex): OrderStores => ({
  replicas: new PgReplicaStore(db),
  orders: new PgOrderStore(db),
  payments: new PgPaymentStore(db),
  orderReads: new PgLocalOrderReadModel(db),
});

export const createOrderService =
  (config: OrderFeatureConfig) =>
  (db: Knex): OrderService =>
    new OrderService({
      stores: createOrderStores(db),
      transactional: inTransaction(db, createOrderStores),
      ...config,
    });

export function createFakeOrderService() {
  const orders = new FakeOrderStore();
  const replicas = new FakeReplicaStore();
  const stores = {
    replicas,
    orders,
    payments: new FakePaymentStore(),
    orderReads: new FakeLocalOrderReadModel({ orders, replicas }),
  };
  const shop = new FakeShopApi();
  const service = new OrderService({
    stores,
    transactional: immediate(stores),
    shop,
    logger: createLogger('orders-test', () => {}),
  });
  return { service, stores, shop };
}
