/** Runs the catalog service: `node extracted/catalog/main.ts` (config: ./config.ts). */
import { createLogger } from '../../lib/logger.ts';
import { redactUrl } from '../../migrations/migrate-runner.ts';
import { createDatabase } from '../shared/database.ts';
import { runMain, serve } from '../shared/serve.ts';
import { createCatalogApp } from './app.ts';
import { loadCatalogConfig } from './config.ts';
import { createPriceDefect } from './defect/price-defect.ts';
import { httpOrderHistory } from './products/order-history.ts';

await runMain('catalog', async () => {
  const logger = createLogger('catalog');
  const config = loadCatalogConfig();
  const db = createDatabase(config.databaseUrl);
  const app = createCatalogApp({
    db,
    orderHistory: httpOrderHistory(config.ordersUrl),
    priceDefect: createPriceDefect({ enabled: config.priceDefect }),
    logger,
  });
  logger.info('starting', {
    database: redactUrl(config.databaseUrl),
    ordersUrl: config.ordersUrl,
    priceDefect: config.priceDefect,
  });
  await serve(app, { port: config.port, db, logger });
});
