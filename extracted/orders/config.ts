/**
 * The orders service's configuration: ficus's configuration (lib/config) says where it listens
 * (`services.orders.upstream`), its database (`services.orders.database`: its own role, never
 * anyone else's) and where the monolith is; environment variables override single entries:
 *
 *   ORDERS_PORT          port to listen on
 *   ORDERS_DATABASE_URL  postgres:// URL of the orders DB
 *   ORDERS_SHOP_URL      base URL of the monolith, whose inventory API reserves stock
 */
import { loadConfig, required, serviceConfig } from '../../lib/config/index.ts';
import { readPortEnv, readUrlEnv } from '../shared/env.ts';
import { servicePort } from '../shared/service-port.ts';

export type OrdersConfig = { port: number; databaseUrl: string; shopUrl: string };

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const config = loadConfig({ env });
  return {
    port: readPortEnv(env, 'ORDERS_PORT', servicePort(config, 'orders')),
    databaseUrl: readUrlEnv(
      env,
      'ORDERS_DATABASE_URL',
      serviceConfig(config, 'orders').database.url,
      ['postgres:', 'postgresql:'],
    ),
    shopUrl: readUrlEnv(
      env,
      'ORDERS_SHOP_URL',
      required(config, 'monolith.upstream', config.monolith.upstream),
      ['http:', 'https:'],
    ),
  };
}
