/**
 * The catalog's configuration, read once from the environment and validated. Every environment
 * variable the catalog reads is read here; defaults come from the embedded stack's config.
 *
 *   CATALOG_PORT          port to listen on (default: servicePortBase + the catalog's index in the plan, 18100)
 *   CATALOG_DATABASE_URL  postgres:// URL of the catalog DB (default: DB `catalog` as role `catalog`
 *                         on the services cluster; the catalog never connects as anyone else)
 *   CATALOG_ORDERS_URL    base URL of the orders service, asked before a product is deleted
 *                         (default: the orders service's default port)
 *   CATALOG_PRICE_DEFECT  true to start with the drill's price defect on (default false)
 */
import { loadStackConfig, stackUrls } from '../../stack/stack-config.ts';
import { readBooleanEnv, readPortEnv, readUrlEnv } from '../shared/env.ts';
import { servicePort } from '../shared/service-port.ts';

export type CatalogConfig = {
  port: number;
  databaseUrl: string;
  ordersUrl: string;
  priceDefect: boolean;
};

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const stack = loadStackConfig(env);
  return {
    port: readPortEnv(env, 'CATALOG_PORT', servicePort(stack, 'catalog', env)),
    databaseUrl: readUrlEnv(
      env,
      'CATALOG_DATABASE_URL',
      stackUrls(stack).servicesAs('catalog', 'catalog', 'catalog'),
      ['postgres:', 'postgresql:'],
    ),
    ordersUrl: readUrlEnv(
      env,
      'CATALOG_ORDERS_URL',
      `http://127.0.0.1:${servicePort(stack, 'orders', env)}`,
      ['http:', 'https:'],
    ),
    priceDefect: readBooleanEnv(env, 'CATALOG_PRICE_DEFECT', false),
  };
}
