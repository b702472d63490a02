/**
 * The catalog's configuration: ficus's configuration (lib/config) says where it listens
 * (`services.catalog.upstream`), its database (`services.catalog.database`: its own role, never
 * anyone else's) and where the orders service is; environment variables override single entries:
 *
 *   CATALOG_PORT          port to listen on
 *   CATALOG_DATABASE_URL  postgres:// URL of the catalog DB
 *   CATALOG_ORDERS_URL    base URL of the orders service, asked before a product is deleted
 *   CATALOG_PRICE_DEFECT  true to start with the drill's price defect on (default false)
 */
import { loadConfig, serviceConfig } from '../../lib/config/index.ts';
import { readBooleanEnv, readPortEnv, readUrlEnv } from '../shared/env.ts';
import { servicePort, serviceUrl } from '../shared/service-port.ts';

export type CatalogConfig = {
  port: number;
  databaseUrl: string;
  ordersUrl: string;
  priceDefect: boolean;
};

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const config = loadConfig({ env });
  return {
    port: readPortEnv(env, 'CATALOG_PORT', servicePort(config, 'catalog')),
    databaseUrl: readUrlEnv(
      env,
      'CATALOG_DATABASE_URL',
      serviceConfig(config, 'catalog').database.url,
      ['postgres:', 'postgresql:'],
    ),
    ordersUrl: readUrlEnv(env, 'CATALOG_ORDERS_URL', serviceUrl(config, 'orders'), [
      'http:',
      'https:',
    ]),
    priceDefect: readBooleanEnv(env, 'CATALOG_PRICE_DEFECT', false),
  };
}
