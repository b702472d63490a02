/**
 * The catalog service: the product routes of the shop, served from the catalog's own database
 * in the monolith's shapes (docs/api.md), plus `GET /health` and the drill's defect toggle.
 *
 * @example
 *   const app = createCatalogApp({ db: createDatabase(url), orderHistory: httpOrderHistory(ordersUrl) });
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { createShopApp } from '../../shop-shared/shop-app.ts';
import { createPriceDefect, type PriceDefect } from './defect/price-defect.ts';
import { createProductService } from './products/create-product-service.ts';
import { unavailableOrderHistory, type OrderHistory } from './products/order-history.ts';
import { productRoutes } from './products/product-controller.ts';
import { toProductJson } from './products/product-json.ts';

export type CatalogAppOptions = {
  db: Knex;
  /** who knows whether a product was ordered (deletes need it); default: deletes answer 503 */
  orderHistory?: OrderHistory;
  /** the drill's price defect; default: one that starts switched off */
  priceDefect?: PriceDefect;
  logger?: Logger;
};

export function createCatalogApp(options: CatalogAppOptions): Express {
  const logger = options.logger ?? createLogger('catalog');
  const priceDefect = options.priceDefect ?? createPriceDefect();
  const products = createProductService({
    orderHistory: options.orderHistory ?? unavailableOrderHistory,
  })(options.db);

  // The monolith's HTTP scaffold (no ETag, same body parser and error handler), so that the
  // parallel run compares answers, not frameworks.
  return createShopApp({
    log: logger,
    routes: (app) => {
      app.use(priceDefect.routes());
      app.use('/api/products', productRoutes(products, priceDefect.wrap(toProductJson)));
    },
  });
}
