/**
 * The orders service: `GET /api/orders/:id`, `POST /api/orders` and `POST /api/payments/callback`
 * served from the orders service's own database in the monolith's shapes (docs/api.md), plus
 * `GET /health` and the catalog's internal "was this product ordered" question.
 *
 * @example
 *   const app = createOrdersApp({ db: createDatabase(url), shop: httpShopApi('http://127.0.0.1:18081') });
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { DEFAULT_PORTS } from '../../stack/stack-config.ts';
import { createShopApp } from '../../shop-shared/shop-app.ts';
import { createOrderService } from './orders/create-order-service.ts';
import { orderRoutes, productOrderedRoutes } from './orders/order-controller.ts';
import { createPaymentService } from '../../shop-shared/payments/create-payment-service.ts';
import { paymentRoutes } from '../../shop-shared/payments/payment-controller.ts';
import { httpShopApi } from './shop-api/http-shop-api.ts';
import type { ShopApi } from './shop-api/shop-api-type.ts';

export type OrdersAppOptions = {
  db: Knex;
  /** the monolith's API (stock, product status); default: the monolith at the stack's default port */
  shop?: ShopApi;
  logger?: Logger;
};

export const DEFAULT_SHOP_URL = `http://127.0.0.1:${DEFAULT_PORTS.monolith}`;

export function createOrdersApp(options: OrdersAppOptions): Express {
  const logger = options.logger ?? createLogger('orders');
  const orders = createOrderService({
    shop: options.shop ?? httpShopApi(DEFAULT_SHOP_URL),
    logger,
  })(options.db);

  // The monolith's HTTP scaffold (no ETag, same body parser and error handler).
  return createShopApp({
    log: logger,
    routes: (app) => {
      app.use(productOrderedRoutes(orders));
      app.use('/api/orders', orderRoutes(orders));
      // Payments settle rows of the orders DB: the service owns the payments table and its logic.
      app.use('/api/payments', paymentRoutes(createPaymentService(options.db)));
    },
  });
}
