/** Runs the orders service: `node extracted/orders/main.ts` (config: ./config.ts). */
import { createLogger } from '../../lib/logger.ts';
import { redactUrl } from '../../migrations/migrate-runner.ts';
import { createDatabase } from '../shared/database.ts';
import { runMain, serve } from '../shared/serve.ts';
import { createOrdersApp } from './app.ts';
import { loadOrdersConfig } from './config.ts';
import { httpShopApi } from './shop-api/http-shop-api.ts';

await runMain('orders', async () => {
  const logger = createLogger('orders');
  const config = loadOrdersConfig();
  const db = createDatabase(config.databaseUrl);
  const app = createOrdersApp({ db, shop: httpShopApi(config.shopUrl), logger });
  logger.info('starting', { database: redactUrl(config.databaseUrl), shopUrl: config.shopUrl });
  await serve(app, { port: config.port, db, logger });
});
