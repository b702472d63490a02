import type { Knex } from 'knex';
import { FakeOrderStore } from '../orders/fake-order-store.ts';
import { PgOrderStore } from '../orders/order-store.ts';
import { immediate, inTransaction } from '../transactional.ts';
import { FakePaymentStore } from './fake-payment-store.ts';
import { PaymentService, type PaymentStores } from './payment-service.ts';
import { PgPaymentStore } from './payment-store.ts';

const createPaymentStores = (db: Knex): PaymentStores => ({
  orders: new PgOrderStore(db),
  payments: new PgPaymentStore(db),
});

export const createPaymentService = (db: Knex): PaymentService =>
  new PaymentService(inTransaction(db, createPaymentStores));

export function createFakePaymentService() {
  const stores = { orders: new FakeOrderStore(), payments: new FakePaymentStore() };
  return { service: new PaymentService(immediate(stores)), stores };
}
