/**
 * For e2e suites: the orders service beside a test monolith (start-service-on-copy.ts), reserving
 * stock through that monolith's API, as it does in production.
 */
import { createLogger } from '../../lib/logger.ts';
import { createOrdersApp } from '../../extracted/orders/app.ts';
import { httpShopApi } from '../../extracted/orders/shop-api/http-shop-api.ts';
import { startServiceOnCopy, type TestServiceOnCopy } from './start-service-on-copy.ts';
import type { TestMonolith } from './start-test-monolith.ts';

export function startTestOrders(shop: TestMonolith): Promise<TestServiceOnCopy> {
  return startServiceOnCopy(shop, 'orders', (db) =>
    createOrdersApp({
      db,
      shop: httpShopApi(shop.baseUrl),
      logger: createLogger('orders-test', () => {}),
    }),
  );
}
