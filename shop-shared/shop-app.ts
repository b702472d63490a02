/**
 * The HTTP scaffold every app of the shop stands on, the monolith and the extracted services
 * alike: no `x-powered-by`, no ETag, JSON bodies up to 1 MiB in valid UTF-8, `GET /health`, then the app's own
 * routes, then a 404 for any other route and the error handler (docs/api.md). One scaffold, so
 * that the parallel run compares answers, not frameworks.
 *
 * @example
 *   createShopApp({ log, routes: (app) => app.use('/api/orders', orderRoutes(orders)) });
 */
import express, { type Express } from 'express';
import type { Logger } from '../lib/logger.ts';
import { errorHandler, unknownRoute } from './error-handler.ts';
import { healthRouter } from './health.ts';
import { jsonBody } from './json-body.ts';

export function createShopApp(options: { log: Logger; routes: (app: Express) => void }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonBody());
  app.use(healthRouter());
  options.routes(app);
  app.use(unknownRoute);
  app.use(errorHandler(options.log));
  return app;
}
